"""SQLite: the WAL is copied into the database file by a thread, never inside a COMMIT on the
event loop, and started over before it grows large (storage/checkpointer.py)."""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
import statistics
import threading
import time
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from sessionary.storage.checkpointer import WalCheckpointer
from sessionary.storage.database import SqliteDatabase
from tests.support import sqlite_database

ROWS = 2_000


def _rows_in_the_main_file(path: Path) -> int:
    """What the database file itself holds: ``immutable=1`` makes SQLite ignore the WAL."""
    db = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        return int(db.execute("SELECT count(*) FROM idempotency").fetchone()[0])
    finally:
        db.close()


async def _insert(db: SqliteDatabase, count: int) -> None:
    """One committed transaction per row, on the server's own connection."""
    for i in range(count):
        async with db.unit_of_work() as uow:
            db._connection().exec_driver_sql(
                "INSERT INTO idempotency (scope_key, request_hash, created_at) VALUES (?, 'h', 0)",
                (f"key-{i}",),
            )
            await uow.commit()


@pytest.fixture
async def served(
    sqlite_template_file: Path, tmp_path: Path
) -> AsyncIterator[tuple[SqliteDatabase, Path]]:
    url = sqlite_database(sqlite_template_file, tmp_path)
    db = SqliteDatabase(url)
    yield db, Path(url.removeprefix("sqlite:///"))
    await db.dispose()


async def test_commits_on_the_loop_never_checkpoint_by_themselves(
    served: tuple[SqliteDatabase, Path],
) -> None:
    db, _ = served
    assert db._connection().exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one() == 0


async def test_the_checkpoint_thread_copies_committed_writes_into_the_database_file(
    served: tuple[SqliteDatabase, Path],
) -> None:
    db, path = served
    await _insert(db, ROWS)
    for _ in range(400):  # up to 20 s on a loaded machine; usually well under one
        if _rows_in_the_main_file(path) == ROWS:
            break
        await asyncio.sleep(0.05)
    assert _rows_in_the_main_file(path) == ROWS


async def test_disposing_stops_the_thread_after_a_last_checkpoint(
    served: tuple[SqliteDatabase, Path],
) -> None:
    db, path = served
    await _insert(db, 50)
    assert db._checkpointer is not None and db._checkpointer.running
    await db.dispose()
    assert not db._checkpointer.running
    assert _rows_in_the_main_file(path) == 50


def _write_continuously(path: Path, stop: threading.Event, wal_limit: int) -> int:
    """Transaction after transaction, as a busy server commits them; how many."""
    db = sqlite3.connect(path, isolation_level=None)
    pragmas = ("journal_mode=WAL", "synchronous=NORMAL", "wal_autocheckpoint=0")
    for pragma in (*pragmas, f"journal_size_limit={wal_limit}"):
        db.execute(f"PRAGMA {pragma}")  # what the server's connection sets
    db.execute("PRAGMA busy_timeout=5000")
    count = 0
    try:
        while not stop.is_set():
            db.execute("BEGIN IMMEDIATE")
            db.executemany(
                "INSERT INTO idempotency (scope_key, request_hash, created_at) VALUES (?, ?, 0)",
                [(f"steady-{count}-{i}", "h" * 400) for i in range(8)],
            )
            db.execute("COMMIT")
            count += 1
            time.sleep(0.0003)  # the rest of a request, between two transactions
    finally:
        db.close()
    return count


def _wal_state(wal: Path) -> tuple[int, int]:
    """The WAL file's size and its header's checkpoint sequence (one more at each start-over)."""
    try:
        with wal.open("rb") as f:
            header = f.read(16)
        return wal.stat().st_size, int.from_bytes(header[12:16], "big") if len(header) == 16 else 0
    except FileNotFoundError:
        return 0, 0


def test_under_writes_that_never_pause_the_wal_is_started_over_and_stays_bounded(
    sqlite_template_file: Path, tmp_path: Path
) -> None:
    path = Path(sqlite_database(sqlite_template_file, tmp_path).removeprefix("sqlite:///"))
    wal = path.with_name(path.name + "-wal")
    restart_bytes = 1024 * 1024
    checkpointer = WalCheckpointer(str(path), restart_bytes=restart_bytes)
    stop = threading.Event()
    states: list[tuple[int, int]] = []  # the WAL file every 10 ms
    with ThreadPoolExecutor(1) as pool:
        checkpointer.start()
        writes = pool.submit(_write_continuously, path, stop, 2 * restart_bytes)
        try:
            started = time.monotonic()
            # 3 s, or up to 15 s on a loaded machine until the WAL was started over 3 times
            while (elapsed := time.monotonic() - started) < 3.0 or (
                elapsed < 15.0 and len({seq for _, seq in states}) < 4
            ):
                states.append(_wal_state(wal))
                time.sleep(0.01)
        finally:
            stop.set()
            checkpointer.stop()
        written = writes.result()
    # PASSIVE checkpoints alone never catch up with these writes: the WAL is never started over,
    # so its file only grows (past 100 MB in these 3 s). Started over, the writer writes from
    # the beginning of the file again (a new checkpoint sequence in its header), so most of the
    # time the file is near the threshold (a RESTART can wait a while for a gap between two of
    # these back-to-back transactions).
    sizes = [size for size, _ in states]
    restarts = sum(1 for (_, a), (_, b) in itertools.pairwise(states) if b != a)
    assert written > 1_000
    assert restarts >= 3, (restarts, max(sizes), written)
    assert statistics.median(sizes[len(sizes) // 2 :]) < 16 * restart_bytes, (sizes, written)
