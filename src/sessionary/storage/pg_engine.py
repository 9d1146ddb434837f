"""The asyncpg engine for a PostgreSQL URL, with or without statement caches."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from .pgurl import connect_kwargs


def _unnamed() -> str:
    return ""


# Behind a transaction-pooling proxy (PgBouncer pool_mode=transaction) consecutive transactions
# of one client connection run on different server connections, and a named prepared statement
# lives on the server connection that prepared it: asyncpg's cache and SQLAlchemy's would name
# statements that the next server connection does not have. Without the caches every statement
# is prepared unnamed and executed in the same exchange (Parse, Describe, Bind, Execute, one
# Sync), which never leaves its server connection.
NO_STATEMENT_CACHE: dict[str, Any] = {
    "statement_cache_size": 0,  # asyncpg's own cache, used by the driver's hot paths
    "prepared_statement_cache_size": 0,  # SQLAlchemy's adapter's cache
    "prepared_statement_name_func": _unnamed,  # else the adapter names each statement
}


def pg_engine(
    url: str, *, statement_cache: bool, timeout_s: float | None = None, **options: Any
) -> AsyncEngine:
    """An asyncpg engine for a libpq-style URL (storage/pgurl.py): every option goes to
    ``asyncpg.connect`` already translated, none through SQLAlchemy's URL query. The URL's
    ``connect_timeout`` wins over ``timeout_s`` for the connect."""
    connect: dict[str, Any] = {}
    if timeout_s is not None:
        connect.update(timeout=timeout_s, command_timeout=timeout_s)
    connect.update(connect_kwargs(url))
    if not statement_cache:
        connect.update(NO_STATEMENT_CACHE)
    return create_async_engine("postgresql+asyncpg://", connect_args=connect, **options)
