"""SQLite: waiting for another connection's write lock never stops the event loop, and gives
up after the configured busy timeout (storage/sqlite_writer.py)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sessionary.storage.database import SqliteDatabase
from sessionary.storage.errors import StorageUnavailable
from sessionary.storage.sqlite_writer import is_busy
from tests.support import sqlite_database


@pytest.fixture
def url(sqlite_template_file: Path, tmp_path: Path) -> str:
    return sqlite_database(sqlite_template_file, tmp_path)


class Lock:
    """Another worker's (or a CLI command's) write transaction, held until released."""

    def __init__(self) -> None:
        self.held = threading.Event()
        self.release = threading.Event()
        self.released_at = 0.0


def _hold_write_lock(url: str, seconds: float, lock: Lock) -> None:
    other = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        other.execute("PRAGMA journal_mode=WAL")
        other.execute("BEGIN IMMEDIATE")
        lock.held.set()
        lock.release.wait(seconds)
        lock.released_at = time.monotonic()
        other.execute("COMMIT")
    finally:
        other.close()


@pytest.fixture
def locked_for(url: str) -> Iterator[Callable[[float], Lock]]:
    threads: list[tuple[threading.Thread, Lock]] = []

    def start(seconds: float) -> Lock:
        lock = Lock()
        thread = threading.Thread(target=_hold_write_lock, args=(url, seconds, lock))
        thread.start()
        threads.append((thread, lock))
        assert lock.held.wait(5)
        return lock

    yield start
    for thread, lock in threads:
        lock.release.set()
        thread.join()


async def _ticks_while(work: asyncio.Task[None]) -> int:
    """How many 5 ms timer ticks the loop ran while ``work`` was pending."""
    ticks = 0
    while not work.done():
        await asyncio.sleep(0.005)
        ticks += 1
    return ticks


async def test_a_writer_waits_for_the_lock_while_the_loop_keeps_serving(
    url: str, locked_for: Callable[[float], Lock]
) -> None:
    db = SqliteDatabase(url)
    try:
        db._connection()
        lock = locked_for(1.0)

        async def write() -> None:
            async with db.unit_of_work() as uow:
                await uow.commit()

        work = asyncio.create_task(write())
        ticks = await _ticks_while(work)
        await work
        finished = time.monotonic()
    finally:
        await db.dispose()
    assert lock.released_at and finished > lock.released_at  # it waited for the other one
    assert ticks >= 20  # SQLite's own busy handler would have slept through all of them


async def test_a_writer_gives_up_after_the_busy_timeout_as_unavailable(
    url: str, locked_for: Callable[[float], Lock]
) -> None:
    db = SqliteDatabase(url, busy_timeout_ms=100)
    try:
        db._connection()
        lock = locked_for(30.0)
        started = time.monotonic()
        with pytest.raises(StorageUnavailable):
            async with db.unit_of_work() as uow:
                await uow.commit()
        waited = time.monotonic() - started
        lock.release.set()  # held until now: the writer gave up while it was held
        async with db.unit_of_work(write=False):  # the connection is usable afterwards
            pass
    finally:
        await db.dispose()
    assert 0.1 <= waited < 5


def test_only_sqlite_busy_counts_as_a_lock_to_wait_for() -> None:
    busy = sqlite3.OperationalError("database is locked")
    busy.sqlite_errorcode = sqlite3.SQLITE_BUSY
    recovery = sqlite3.OperationalError("database is locked")
    recovery.sqlite_errorcode = 261  # SQLITE_BUSY_RECOVERY
    other = sqlite3.OperationalError("disk I/O error")
    other.sqlite_errorcode = sqlite3.SQLITE_IOERR
    assert is_busy(busy) and is_busy(recovery)
    assert not is_busy(other)
    assert not is_busy(ValueError("x"))
