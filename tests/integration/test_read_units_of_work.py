"""PostgreSQL reads run without BEGIN/COMMIT (two round trips fewer per read request); writes
keep their transaction, which begins with their first statement through SQLAlchemy."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from sessionary.storage.database import open_database
from tests.conftest import PG_TEMPLATE
from tests.pgcluster import PgCluster
from tests.support import postgres_database


async def _two_transaction_ids(url: str, *, write: bool) -> tuple[object, object]:
    """pg_current_xact_id() twice in one unit of work, 10 ms apart."""
    db = open_database(url)
    try:
        async with db.unit_of_work(write=write) as uow:
            ex = uow.sessions._ex
            first = (await ex.execute(text("SELECT pg_current_xact_id()::text"))).scalar_one()
            await asyncio.sleep(0.01)
            second = (await ex.execute(text("SELECT pg_current_xact_id()::text"))).scalar_one()
            await uow.commit()
    finally:
        await db.dispose()
    return first, second


@pytest.fixture
def pg_url(pg_cluster: PgCluster) -> str:
    return postgres_database(pg_cluster.port, PG_TEMPLATE)


async def test_each_statement_of_a_postgresql_read_is_its_own_transaction(pg_url: str) -> None:
    first, second = await _two_transaction_ids(pg_url, write=False)
    assert first != second


async def test_a_postgresql_write_stays_one_transaction(pg_url: str) -> None:
    first, second = await _two_transaction_ids(pg_url, write=True)
    assert first == second


async def _scratch(url: str) -> None:
    db = open_database(url)
    try:
        async with db.unit_of_work() as uow:
            await uow.sessions._ex.execute(text("CREATE TABLE IF NOT EXISTS scratch (v int)"))
            await uow.sessions._ex.execute(text("DELETE FROM scratch"))
            await uow.commit()
    finally:
        await db.dispose()


async def _scratch_values(url: str) -> list[int]:
    db = open_database(url)
    try:
        async with db.unit_of_work(write=False) as uow:
            rows = await uow.sessions._ex.execute(text("SELECT v FROM scratch ORDER BY v"))
            return [int(v) for (v,) in rows]
    finally:
        await db.dispose()


async def test_a_write_begins_its_transaction_with_its_first_sqlalchemy_statement(
    pg_url: str,
) -> None:
    await _scratch(pg_url)
    db = open_database(pg_url, pool_size=1)
    try:
        async with db.unit_of_work() as uow:  # a driver statement only: nothing to commit
            ex = uow.sessions._ex
            conn = await ex.driver()
            await conn.execute("INSERT INTO scratch VALUES (1)")  # autocommits, as one step
            assert not ex.begun
            await uow.commit()
        async with db.unit_of_work() as uow:  # rolled back: its statement is undone
            await uow.sessions._ex.execute(text("INSERT INTO scratch VALUES (2)"))
            assert uow.sessions._ex.begun
            await uow.rollback()
        async with db.unit_of_work() as uow:
            await uow.sessions._ex.execute(text("INSERT INTO scratch VALUES (3)"))
            await uow.commit()
        async with db.unit_of_work() as uow:  # the one pooled connection came back clean
            conn = await uow.sessions._ex.driver()
            assert not conn.is_in_transaction()
            await uow.commit()
    finally:
        await db.dispose()
    assert await _scratch_values(pg_url) == [1, 3]
