"""The migrations build exactly the schema of storage/tables.py (the console's indexes too)."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection

from sessionary.storage.migrate import with_connection
from sessionary.storage.tables import metadata


def _diff(conn: Connection) -> list[Any]:
    return list(compare_metadata(MigrationContext.configure(conn), metadata))


def _differences(url: str) -> list[Any]:
    return list(with_connection(url, _diff))


def test_the_migrated_schema_matches_the_tables_module(database_url: str) -> None:
    assert _differences(database_url) == []
