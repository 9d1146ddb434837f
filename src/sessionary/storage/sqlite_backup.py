"""Online backup and restore of a SQLite database file (``sessionary db backup|restore``).

The copy is made with SQLite's online backup API in steps, for a progress bar. A stepped
backup restarts from its first page whenever another connection commits between two steps, so
under a serving server's steady writes it never ends (measured: still restarting after 2,000
steps). It is therefore run inside one read transaction on the source: the backup then copies
that transaction's snapshot, and the server's commits, which in WAL mode never wait for a
reader, go on meanwhile. What the snapshot costs is WAL space: no checkpoint can copy frames
past it, and the server's checkpoint thread does not start the WAL over while it lasts
(storage/checkpointer.py), so the WAL grows by whatever is written until the backup ends. (On
a database in rollback-journal mode the snapshot would hold writers for the whole copy; the
server always leaves its database in WAL mode.)

Each result is written to a temporary file next to its target, checked, synced and renamed,
so a target is either untouched or complete."""

from __future__ import annotations

import os
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util import CommandError

from .migrate import head

Progress = Callable[[int, int], None]  # (pages copied, pages in all)
DEFAULT_STEP_PAGES = 1024
# Tables whose absence means the file is some other application's database.
_OWN_TABLES = frozenset({"alembic_version", "tenants", "sessions", "events", "lifecycle"})
_MIGRATIONS = Path(__file__).parent / "migrations"


class BackupError(Exception):
    """Why a backup or a restore was refused, in words for the operator."""


@dataclass(frozen=True, slots=True)
class Copied:
    file: Path
    bytes: int
    pages: int
    seconds: float
    revision: str


@dataclass(frozen=True, slots=True)
class Restored:
    copied: Copied
    head: str | None  # this code's newest revision: serve needs the database at it
    replaced: Path | None  # where the database that was there before now lies
    last_record_id: int  # new lifecycle records are numbered after it


def backup(
    source: Path,
    target: Path,
    *,
    overwrite: bool = False,
    step_pages: int = DEFAULT_STEP_PAGES,
    progress: Progress | None = None,
) -> Copied:
    """A consistent copy of ``source`` at ``target``, taken while others keep writing."""
    if not source.is_file():
        raise BackupError(f"no database at {source}")
    if target.exists() and not overwrite:
        raise BackupError(f"{target} exists; pass --force to overwrite it")
    started = time.monotonic()
    with _temporary_next_to(target) as tmp:
        pages = _copy_snapshot(_open(source, "rw"), tmp, step_pages, progress)
        revision = _verify(tmp, full=False)
        _install(tmp, target, overwrite=overwrite)
    return Copied(target, target.stat().st_size, pages, time.monotonic() - started, revision)


def restore(
    source: Path,
    target: Path,
    *,
    step_pages: int = DEFAULT_STEP_PAGES,
    progress: Progress | None = None,
) -> Restored:
    """Put the backup ``source`` in place of the database file ``target``; the database that
    was there (with its WAL) is renamed aside, never deleted. The caller has asked the
    operator; this refuses only what is unsafe whatever the answer."""
    if not source.is_file():
        raise BackupError(f"no backup at {source}")
    if in_use(target):
        raise BackupError(
            f"{target} is open in another process (is the server running?); stop it first"
        )
    started = time.monotonic()
    with _temporary_next_to(target) as tmp:
        pages = _copy_snapshot(_open(source, "ro"), tmp, step_pages, progress)
        revision = _verify(tmp, full=True)
        if not known_revision(revision):
            raise BackupError(f"the backup is at revision {revision}, unknown to this version")
        last_id = _continue_record_ids(tmp, _last_record_id(target))
        replaced = _set_aside(target)
        _install(tmp, target, overwrite=False)
    copied = Copied(target, target.stat().st_size, pages, time.monotonic() - started, revision)
    return Restored(copied, head(), replaced, last_id)


def in_use(path: Path) -> bool:
    """Whether another connection has the database open. Every connection to a WAL database
    holds a shared lock on its shared-memory file for as long as it is open, so an exclusive
    lock is refused while a server runs, even an idle one. Nothing is changed, except what
    any last connection does on closing: a WAL that a crashed server left is copied into the
    file."""
    if not path.is_file():
        return False
    conn = _open(path, "rw", timeout=0)
    try:
        conn.execute("PRAGMA locking_mode=EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        return exc.sqlite_errorcode & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    except sqlite3.DatabaseError:  # not a database at all: nobody can be using it as one
        return False
    finally:
        conn.close()
    return False


def known_revision(revision: str) -> bool:
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    try:
        return ScriptDirectory.from_config(cfg).get_revision(revision) is not None
    except CommandError:
        return False


def _open(path: Path, mode: str, timeout: float = 5.0) -> sqlite3.Connection:
    """A connection that never creates the file (``mode=rw`` or ``ro``) and leaves
    transactions to the caller."""
    uri = f"file:{quote(str(path.resolve()))}?mode={mode}"
    return sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None)


def _copy_snapshot(
    src: sqlite3.Connection, tmp: Path, step_pages: int, progress: Progress | None
) -> int:
    """Copy one read transaction's snapshot of ``src`` into ``tmp``; the number of pages."""
    dst = sqlite3.connect(tmp, isolation_level=None)
    seen = [0]

    def step(_status: int, remaining: int, total: int) -> None:
        seen[0] = total
        if progress is not None:
            progress(total - remaining, total)

    try:
        src.execute("BEGIN")
        src.execute("SELECT count(*) FROM sqlite_master")  # takes the snapshot now
        src.backup(dst, pages=step_pages, progress=step)
        src.execute("COMMIT")  # let the checkpointer past the snapshot before checking
        # One self-contained file: the copy takes the source's WAL mode with its header.
        dst.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"cannot copy the database: {exc}") from exc
    finally:
        src.close()
        dst.close()
    return seen[0]


def _last_record_id(path: Path) -> int:
    """The highest lifecycle record id the database ever handed out (0 if unreadable)."""
    if not path.is_file():
        return 0
    conn = _open(path, "rw")
    try:
        row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'lifecycle'").fetchone()
    except sqlite3.DatabaseError:
        return 0
    finally:
        conn.close()
    return 0 if row is None else int(row[0])


def _continue_record_ids(path: Path, replaced_last: int) -> int:
    """Number new lifecycle records after every id the replaced database handed out: stream
    clients and webhook receivers have seen those ids, so none may name another record. A
    client resuming after one that the restore took away is told that no record has it."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        (last,) = conn.execute(
            "SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = 'lifecycle'"
        ).fetchone()
        if replaced_last > last:
            conn.execute("DELETE FROM sqlite_sequence WHERE name = 'lifecycle'")
            conn.execute("INSERT INTO sqlite_sequence VALUES ('lifecycle', ?)", (replaced_last,))
    finally:
        conn.close()
    return max(int(last), replaced_last)


def _verify(path: Path, *, full: bool) -> str:
    """Check the copy and return its schema revision. ``quick_check`` reads every page (what a
    page-by-page copy could have damaged); ``integrity_check`` also matches every index with
    its table, for a file of unknown history."""
    conn = _open(path, "ro")
    try:
        _check(conn, full)
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        if not tables >= _OWN_TABLES:
            raise BackupError("not a sessionary database (no schema revision or tables)")
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"not a readable SQLite database: {exc}") from exc
    finally:
        conn.close()
    if row is None:
        raise BackupError("not a sessionary database (no schema revision)")
    return str(row[0])


def _check(conn: sqlite3.Connection, full: bool) -> None:
    try:
        found = conn.execute("PRAGMA integrity_check" if full else "PRAGMA quick_check").fetchall()
    except sqlite3.DatabaseError as exc:  # damage that stops the check itself
        found = [(str(exc),)]
    if found != [("ok",)]:
        problems = "; ".join(str(row[0]) for row in found[:3])
        raise BackupError(f"the copy failed its integrity check: {problems}")


@contextmanager
def _temporary_next_to(target: Path) -> Iterator[Path]:
    """A fresh path in the target's directory (same file system, so the rename is atomic);
    removed with its journal if the work fails."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.name}.{secrets.token_hex(4)}.tmp"
    try:
        yield tmp
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + "-journal"), *_companions(tmp)):
            with suppress(FileNotFoundError):
                leftover.unlink()


def _install(tmp: Path, target: Path, *, overwrite: bool) -> None:
    """Sync ``tmp`` and rename it to ``target``, then sync the directory so the rename
    survives a crash. Without ``overwrite`` a target that appeared meanwhile is kept."""
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    if overwrite:
        os.replace(tmp, target)
    else:
        try:
            os.link(tmp, target)  # fails if the target exists, unlike a rename
        except FileExistsError as exc:
            raise BackupError(f"{target} exists") from exc
    _sync_directory(target.parent)


def _set_aside(target: Path) -> Path | None:
    """Rename the database and its WAL to ``<name>.replaced-<time>``: a WAL left next to the
    restored file would be replayed into it. The shared-memory file is only an index of the
    WAL, rebuilt from it, so it is removed. The database that was there, if any, is returned."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    aside = target.with_name(f"{target.name}.replaced-{stamp}")
    wal, shm = _companions(target)
    if wal.exists():
        wal.rename(aside.with_name(aside.name + "-wal"))
    with suppress(FileNotFoundError):
        shm.unlink()
    if not target.exists():
        return None
    target.rename(aside)
    return aside


def _companions(path: Path) -> tuple[Path, Path]:
    return path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")


def _sync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
