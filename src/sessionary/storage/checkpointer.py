"""WAL checkpoints of a SQLite file, from a thread of their own.

SQLite's automatic checkpoint runs inside whichever COMMIT pushes the WAL past 1,000 pages:
that commit copies the WAL into the database file and syncs it, on the event loop, while every
request waits. Measured on the close benchmark, that was the p90-p99 band (p99 17 ms with it,
12 ms without, and 10 % more closes per second). The server's connection therefore turns the
automatic checkpoint off and this thread runs PASSIVE checkpoints instead: they never wait for
or block a writer or a reader, and sqlite3 releases the GIL while they copy and sync.

PASSIVE alone lets the WAL grow without bound under steady writes. A writer starts the WAL over
only when every frame in it has been copied, and while commits keep arriving faster than a
checkpoint (with its syncs) finishes, that moment never comes: the file reached 2.4 GB in 16 s
of the open and extend benchmarks. The first commit after the load stopped then cut it back to
``journal_size_limit`` inside COMMIT, on the event loop: a 640 ms stall (measured; the p99 of
the phase that followed). So once the WAL holds ``restart_bytes``, the thread runs a RESTART
checkpoint instead: it waits for the writer in between two transactions, copies the frames
since the last PASSIVE one (at most ``BUSY_INTERVAL_S`` of writes), and the next commit starts
the WAL from its beginning. The file then stays below ``journal_size_limit`` and is never
truncated on the loop."""

from __future__ import annotations

import logging
import sqlite3
import threading

log = logging.getLogger("sessionary.storage")

BUSY_INTERVAL_S = 0.05  # while the WAL keeps changing: writes are flowing
IDLE_INTERVAL_S = 0.5
# WAL length past which the next checkpoint starts it over. Each RESTART held writers 3-40 ms
# (measured); at 32 MiB they came every 0.35 s under the extend benchmark and its p99 rose from
# 11 to 18 ms, at 128 MiB every 1.4 s and it stayed at 10-15 ms.
RESTART_BYTES = 128 * 1024 * 1024


class WalCheckpointer:
    def __init__(self, path: str, restart_bytes: int = RESTART_BYTES) -> None:
        self._path = path
        self._restart_bytes = restart_bytes
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop after one last checkpoint, so a clean shutdown leaves the WAL copied."""
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join(timeout=10)
        self._thread = None

    def _run(self) -> None:
        try:
            conn = sqlite3.connect(self._path, isolation_level=None)
        except sqlite3.Error:
            log.exception("the WAL checkpointer could not open the database")
            return
        try:
            restart_frames = restart_frames_of(conn, self._restart_bytes)
            interval, seen = IDLE_INTERVAL_S, -1
            while not self._stop.wait(interval):
                frames = checkpoint_once(conn, restart_frames)
                interval = BUSY_INTERVAL_S if frames != seen else IDLE_INTERVAL_S
                seen = frames
            checkpoint_once(conn, restart_frames)
        finally:
            conn.close()


def restart_frames_of(conn: sqlite3.Connection, restart_bytes: int) -> int:
    page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
    return max(1, restart_bytes // page_size)


def checkpoint_once(conn: sqlite3.Connection, restart_frames: int) -> int:
    """One checkpoint; the WAL's length in frames afterwards (-1 when it could not run).

    PASSIVE copies what it can without waiting for anyone; its frames stay in the WAL, which a
    writer starts over once every frame is copied. When the WAL holds ``restart_frames`` or
    more, a RESTART follows: it waits (this connection's busy timeout) for the writer to be
    between transactions and for readers to leave the WAL, so the next commit starts it over.
    It holds writers all that time, so it runs only when PASSIVE could copy every frame: a
    reader on an older snapshot (``sessionary db backup``, storage/sqlite_backup.py) stops
    PASSIVE short, and a RESTART then held every write until that reader ended (measured: one
    write waited out a whole 1.3 s backup). The WAL grows meanwhile, by what is written."""
    frames, copied = _checkpoint(conn, "PASSIVE")
    if frames >= restart_frames and copied == frames:
        frames, _ = _checkpoint(conn, "RESTART")
    return frames


def _checkpoint(conn: sqlite3.Connection, mode: str) -> tuple[int, int]:
    """The WAL's frames and how many of them are in the database file; -1, -1 if it could not
    run."""
    try:
        busy, frames, copied = conn.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
    except sqlite3.Error as exc:  # e.g. a migration holds the file exclusively
        log.debug("WAL checkpoint skipped: %s", type(exc).__name__)
        return -1, -1
    return (-1, -1) if busy else (int(frames), int(copied))
