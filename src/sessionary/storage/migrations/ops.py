"""Index builds for migrations that run while the service serves (README "Upgrading").

On PostgreSQL a plain ``CREATE INDEX`` holds a lock that blocks every write to the table for
the whole build; ``CONCURRENTLY`` does not, but it cannot run inside a transaction, so it runs
in Alembic's autocommit block (which commits what the migration did before it). A concurrent
build that fails (a deadlock, a cancel, a unique violation) leaves an INVALID index behind,
which ``IF NOT EXISTS`` would then keep forever: it is dropped first, so running the migration
again builds it. SQLite has no concurrent build; there the plain statement is used.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

_INVALID = sa.text(
    "SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
    " WHERE c.relname = :name AND c.relnamespace = to_regnamespace(current_schema())"
    " AND NOT i.indisvalid"
)


def _postgresql() -> bool:
    return bool(op.get_bind().dialect.name == "postgresql")


def create_index(
    name: str, table: str, columns: Sequence[str], *, unique: bool = False, where: str = ""
) -> None:
    """``CREATE INDEX CONCURRENTLY IF NOT EXISTS`` on PostgreSQL, after dropping an INVALID
    leftover of the same name; ``where`` makes it a partial index on both engines."""
    engine = "postgresql" if _postgresql() else "sqlite"
    kw: dict[str, Any] = {f"{engine}_where": sa.text(where)} if where else {}
    if engine == "sqlite":
        op.create_index(name, table, list(columns), unique=unique, if_not_exists=True, **kw)
        return
    with op.get_context().autocommit_block():
        if op.get_bind().execute(_INVALID, {"name": name}).first() is not None:
            op.drop_index(name, table_name=table, postgresql_concurrently=True, if_exists=True)
        op.create_index(
            name,
            table,
            list(columns),
            unique=unique,
            if_not_exists=True,
            postgresql_concurrently=True,
            **kw,
        )


def drop_index(name: str, table: str) -> None:
    """``DROP INDEX CONCURRENTLY IF EXISTS`` on PostgreSQL (no write lock held while queries
    that use it finish); the plain statement on SQLite."""
    if not _postgresql():
        op.drop_index(name, table_name=table, if_exists=True)
        return
    with op.get_context().autocommit_block():
        op.drop_index(name, table_name=table, postgresql_concurrently=True, if_exists=True)
