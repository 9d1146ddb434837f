"""A SQLAlchemy query run on the driver's own connection: compiled once per backend from its
one definition, then sent without SQLAlchemy's per-statement cost (about half a read's CPU
on PostgreSQL, bench/PROFILE.md section 12). For the reads every request of a dialect makes
(a Pagos client and its application, a casino game)."""

from __future__ import annotations

import functools
import json
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Select

from .errors import asyncpg_errors, sqlite_errors
from .executor import Executor
from .rows import sqlite_rows
from .transitions.plans import PG_DIALECT, SQLITE_DIALECT, Compiled, compile_for


@functools.cache
def _compiled(stmt: Select[Any], dialect: str) -> Compiled:
    return compile_for(stmt, PG_DIALECT if dialect == "postgresql" else SQLITE_DIALECT)


async def first(
    ex: Executor, stmt: Select[Any], params: dict[str, Any], json_columns: tuple[str, ...]
) -> SimpleNamespace | None:
    """The first row of ``stmt`` (a module-level constant: it is the cache key), its JSON
    columns decoded as SQLAlchemy would, or None."""
    plan = _compiled(stmt, ex.dialect)
    conn = await ex.driver()
    if ex.dialect == "postgresql":
        with asyncpg_errors(conn):
            found = await conn.fetchrow(plan.sql, *plan.args(params))
        row = None if found is None else SimpleNamespace(**dict(found))
    else:
        with sqlite_errors():
            rows = sqlite_rows(conn.execute(plan.sql, plan.args(params)), decode=False)
        row = rows[0] if rows else None
    if row is not None:
        for name in json_columns:
            value = getattr(row, name)
            setattr(row, name, json.loads(value) if isinstance(value, str | bytes) else value)
    return row
