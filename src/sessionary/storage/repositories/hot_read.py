"""One session by tenant and id in the driver's own SQL: the read behind ``GET`` of a session,
half the mixed workload. Through SQLAlchemy the statement cost more than the rest of the read
on PostgreSQL (bench/PROFILE.md section 12)."""

from __future__ import annotations

from types import SimpleNamespace

from ..errors import asyncpg_errors, sqlite_errors
from ..executor import Executor
from ..rows import row_of, sqlite_rows
from ..tables import sessions

_COLUMNS = ", ".join(f"s.{column.name}" for column in sessions.c)
_JOINED = "sessions AS s JOIN subjects ON subjects.pk = s.subject_pk"
_SUBJECT = "subjects.kind AS subject_kind, subjects.external_id AS subject_id"
_PG_GET = f"SELECT {_COLUMNS}, {_SUBJECT} FROM {_JOINED} WHERE s.tenant_pk = $1 AND s.id = $2"
_SQLITE_GET = f"SELECT {_COLUMNS}, {_SUBJECT} FROM {_JOINED} WHERE s.tenant_pk = ? AND s.id = ?"


async def read_one(ex: Executor, tenant_pk: int, id: str) -> SimpleNamespace | None:
    conn = await ex.driver()
    if ex.dialect == "postgresql":
        with asyncpg_errors(conn):
            found = await conn.fetchrow(_PG_GET, tenant_pk, id)
        return None if found is None else row_of(dict(found))
    with sqlite_errors():
        rows = sqlite_rows(conn.execute(_SQLITE_GET, (tenant_pk, id)))
    return rows[0] if rows else None
