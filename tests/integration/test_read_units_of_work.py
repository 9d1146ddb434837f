"""PostgreSQL reads run without BEGIN/COMMIT (two round trips fewer per read request); writes
keep their transaction."""

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
