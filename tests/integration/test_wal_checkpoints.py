"""SQLite: the WAL is copied into the database file by a thread, never inside a COMMIT on the
event loop (storage/checkpointer.py)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

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
