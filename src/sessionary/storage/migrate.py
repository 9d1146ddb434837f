"""Run Alembic migrations shipped inside the package, on SQLite or PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, text

from .pg_engine import pg_engine

_HERE = Path(__file__).parent / "migrations"
_LOCK_KEY = 0x5E55_1011  # advisory lock: two nodes upgrading at once take turns


def _config(connection: Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_HERE))
    cfg.attributes["connection"] = connection
    return cfg


def _with_connection(url: str, fn: Callable[[Connection], Any]) -> Any:
    if url.startswith("sqlite"):
        engine = create_engine(url)
        try:
            with engine.begin() as conn:
                return fn(conn)
        finally:
            engine.dispose()
    return asyncio.run(_with_pg_connection(url, fn))


async def _with_pg_connection(url: str, fn: Callable[[Connection], Any]) -> Any:
    # No statement cache: migrations gain nothing from one, and without it they also run
    # through a transaction-pooling PgBouncer (all of it is one transaction, the lock included).
    engine = pg_engine(url, statement_cache=False)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
            return await conn.run_sync(fn)
    finally:
        await engine.dispose()


def upgrade(url: str, revision: str = "head") -> None:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    _with_connection(url, lambda conn: command.upgrade(_config(conn), revision))


def head() -> str | None:
    cfg = Config()
    cfg.set_main_option("script_location", str(_HERE))
    return ScriptDirectory.from_config(cfg).get_current_head()


def current(url: str) -> str | None:
    def read(conn: Connection) -> str | None:
        return MigrationContext.configure(conn).get_current_revision()

    return _with_connection(url, read)  # type: ignore[no-any-return]


def autogenerate(url: str, message: str) -> None:
    """Developer helper: write a new revision from the difference to ``tables.py``."""
    _with_connection(
        url, lambda conn: command.revision(_config(conn), message=message, autogenerate=True)
    )
