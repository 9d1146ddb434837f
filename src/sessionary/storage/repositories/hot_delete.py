"""Delete a live, not-due session in one step: HiveMP's ``DELETE /session``, the dialect's close.

The session ends as deleted (its meter stops at the later of the clock and its last activity),
with its ``deleted`` lifecycle record, its bound keys revoked, its events removed and the audit
entry: one statement on PostgreSQL, driver statements on SQLite's open transaction. Any other
case (unknown, another dialect's, ended, due to expire first) changes nothing and returns None;
the general path then decides and reports it. PostgreSQL takes the row only if it is free
(``FOR UPDATE SKIP LOCKED``), as the one-step close does."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from ...domain.model import Actor, Micros
from ..errors import sqlite_errors
from ..executor import Executor
from .hot import (
    PG_ENDED_DATA,
    SESSION_COLUMNS,
    SQLITE_REVOKE,
    fetch,
    row_of,
    sqlite_ended_data,
    sqlite_session,
)

_PG_DELETE = f"""
WITH target AS (
    SELECT pk FROM sessions WHERE tenant_pk = $1 AND id = $2 FOR UPDATE SKIP LOCKED
), s AS (
    UPDATE sessions
       SET status = 'deleted', closed_at = GREATEST($3::bigint, last_activity_at),
           close_reason = 'deleted', version = version + 1
     WHERE pk = (SELECT pk FROM target) AND status = 'active'
       AND (expires_at IS NULL OR expires_at > $3::bigint)
       AND ($4::text IS NULL OR dialect = $4::text)
 RETURNING {SESSION_COLUMNS}
), record AS (
    INSERT INTO lifecycle (tenant_pk, session_pk, session_id, type, reason, at, data)
    SELECT tenant_pk, pk, id, 'deleted', 'deleted', closed_at, {PG_ENDED_DATA} FROM s
), keys AS (
    UPDATE credentials SET revoked_at = $3::bigint
     WHERE bound_session_pk IN (SELECT pk FROM s) AND revoked_at IS NULL
), gone AS (
    DELETE FROM events WHERE session_pk IN (SELECT pk FROM s)
), entry AS (
    INSERT INTO audit (tenant_pk, credential_pk, actor, action, target, request_id, at, detail)
    SELECT tenant_pk, $5::bigint, $6::text, 'session.delete', id, $7::text, closed_at,
           '{{}}'::jsonb
      FROM s
)
SELECT s.*, subjects.kind AS subject_kind, subjects.external_id AS subject_id
  FROM s JOIN subjects ON subjects.pk = s.subject_pk
"""

_SQLITE_DELETE = f"""
UPDATE sessions
   SET status = 'deleted', closed_at = MAX(?1, last_activity_at), close_reason = 'deleted',
       version = version + 1
 WHERE tenant_pk = ?2 AND id = ?3 AND status = 'active'
   AND (expires_at IS NULL OR expires_at > ?1) AND (?4 IS NULL OR dialect = ?4)
RETURNING {SESSION_COLUMNS}
"""
_SQLITE_RECORD = (
    "INSERT INTO lifecycle (tenant_pk, session_pk, session_id, type, reason, at, data) "
    "VALUES (?, ?, ?, 'deleted', 'deleted', ?, ?)"
)
_SQLITE_EVENTS = "DELETE FROM events WHERE session_pk = ?"
_SQLITE_AUDIT = (
    "INSERT INTO audit (tenant_pk, credential_pk, actor, action, target, request_id, at, detail)"
    " VALUES (?, ?, ?, 'session.delete', ?, ?, ?, '{}')"
)


async def delete_live(
    ex: Executor, tenant_pk: int, id: str, now: Micros, dialect: str | None, actor: Actor
) -> SimpleNamespace | None:
    conn = await ex.driver()
    if ex.dialect == "postgresql":
        args = (actor.credential_pk, actor.label, actor.request_id)
        found = await fetch(conn, _PG_DELETE, tenant_pk, id, now, dialect, *args)
        return None if found is None else row_of(dict(found))
    with sqlite_errors():
        return _delete_live_sqlite(conn, tenant_pk, id, now, dialect, actor)


def _delete_live_sqlite(
    conn: Any, tenant_pk: int, id: str, now: Micros, dialect: str | None, actor: Actor
) -> SimpleNamespace | None:
    row = sqlite_session(conn, conn.execute(_SQLITE_DELETE, (now, tenant_pk, id, dialect)))
    if row is None:
        return None
    conn.execute(
        _SQLITE_RECORD, (row.tenant_pk, row.pk, row.id, row.closed_at, sqlite_ended_data(row))
    )
    conn.execute(SQLITE_REVOKE, (now, row.pk))
    conn.execute(_SQLITE_EVENTS, (row.pk,))
    audit = (row.tenant_pk, actor.credential_pk, actor.label, row.id, actor.request_id)
    conn.execute(_SQLITE_AUDIT, (*audit, row.closed_at))
    return row
