"""The migrations build exactly the schema of storage/tables.py (the console's indexes too)."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, create_engine
from sqlalchemy.ext.asyncio import create_async_engine

from sessionary.storage.database import to_asyncpg_url
from sessionary.storage.tables import metadata


def _diff(conn: Connection) -> list[Any]:
    return list(compare_metadata(MigrationContext.configure(conn), metadata))


def _differences(url: str) -> list[Any]:
    if url.startswith("sqlite"):
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                return _diff(conn)
        finally:
            engine.dispose()

    async def pg() -> list[Any]:
        async_engine = create_async_engine(to_asyncpg_url(url))
        try:
            async with async_engine.connect() as conn:
                return await conn.run_sync(_diff)
        finally:
            await async_engine.dispose()

    return asyncio.run(pg())


def test_the_migrated_schema_matches_the_tables_module(database_url: str) -> None:
    assert _differences(database_url) == []
