"""SQLite units of work begin and end their transaction on the driver's connection
(storage/database.py): a commit SQLite refuses is reported in the storage layer's terms and
never leaves the shared connection inside a transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sessionary.domain.errors import Conflict
from sessionary.storage.database import SqliteDatabase
from tests.support import sqlite_database

TENANT = "INSERT INTO tenants (id, name, settings, created_at) VALUES ('t-{0}', '{0}', '{{}}', 0)"
ORPHAN = (
    "INSERT INTO subjects (tenant_pk, kind, external_id, attributes, created_at)"
    " VALUES (987654, 'user', 'orphan', '{}', 0)"
)


@pytest.fixture
async def db(sqlite_template_file: Path, tmp_path: Path) -> AsyncIterator[SqliteDatabase]:
    database = SqliteDatabase(sqlite_database(sqlite_template_file, tmp_path))
    yield database
    await database.dispose()


def orphans(db: SqliteDatabase) -> int:
    raw = db._driver()
    return int(raw.execute("SELECT count(*) FROM subjects WHERE tenant_pk = 987654").fetchone()[0])


async def tenant_names(db: SqliteDatabase) -> list[str]:
    async with db.unit_of_work(write=False) as uow:
        names = [str(r[0]) for r in db._driver().execute("SELECT name FROM tenants")]
        await uow.commit()
    return names


async def test_a_refused_commit_is_a_conflict_and_the_connection_leaves_the_transaction(
    db: SqliteDatabase,
) -> None:
    with pytest.raises(Conflict):
        async with db.unit_of_work() as uow:
            raw = db._driver()
            raw.execute("PRAGMA defer_foreign_keys=ON")  # the violation surfaces at COMMIT
            raw.execute(ORPHAN)
            await uow.commit()
    assert not db._driver().in_transaction
    async with db.unit_of_work() as uow:  # the lock was released; the row is gone
        assert orphans(db) == 0
        await uow.commit()


async def test_a_unit_left_by_an_exception_rolls_back_its_writes(db: SqliteDatabase) -> None:
    with pytest.raises(RuntimeError):
        async with db.unit_of_work():
            db._driver().execute(TENANT.format("undone"))
            raise RuntimeError("the use case failed")
    assert not db._driver().in_transaction
    assert await tenant_names(db) == []


async def test_a_committed_unit_is_durable_and_ends_the_transaction(db: SqliteDatabase) -> None:
    async with db.unit_of_work() as uow:
        assert db._driver().in_transaction
        db._driver().execute(TENANT.format("kept"))
        await uow.commit()
    assert not db._driver().in_transaction
    assert await tenant_names(db) == ["kept"]
