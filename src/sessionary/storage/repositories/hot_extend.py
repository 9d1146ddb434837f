"""Extend a live, not-due session in one step (the hot path beside ``hot.py``'s close).

The session's new expiry and activity, its ``extended`` lifecycle record and the audit entry:
one statement (data-modifying CTEs) on PostgreSQL, three driver statements on SQLite's open
transaction. It applies only when the tenant allows extending and the ttl (the caller's, else
the session's idle timeout) is positive; any other case (unknown, deleted, another dialect's,
ended, due, forbidden, no usable ttl) changes nothing and returns None, and the general path
decides and reports it.

As in the one-step close, PostgreSQL takes the row only if no one holds it (``FOR UPDATE SKIP
LOCKED``), and the extension counts from the later of the caller's clock and the session's last
activity, so an append that committed just before is never moved into the past."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

from ...domain.model import Actor, Micros
from ..errors import sqlite_errors
from ..executor import Executor
from .hot import SESSION_COLUMNS, fetch, row_of, sqlite_session

_US = "1000000::bigint"
_PG_EXTEND = f"""
WITH target AS (
    SELECT pk FROM sessions WHERE tenant_pk = $1 AND id = $2 FOR UPDATE SKIP LOCKED
), s AS (
    UPDATE sessions
       SET last_activity_at = GREATEST($3::bigint, last_activity_at),
           expires_at = LEAST(
               GREATEST($3::bigint, last_activity_at) + COALESCE($4::int, idle_timeout_s) * {_US},
               opened_at + max_lifetime_s * {_US}),
           version = version + 1
     WHERE pk = (SELECT pk FROM target) AND status = 'active'
       AND (expires_at IS NULL OR expires_at > GREATEST($3::bigint, last_activity_at))
       AND ($5::text IS NULL OR dialect = $5::text)
       AND COALESCE($4::int, idle_timeout_s) > 0
       AND EXISTS (SELECT 1 FROM tenants WHERE pk = $1 AND allow_extend)
 RETURNING {SESSION_COLUMNS}
), record AS (
    INSERT INTO lifecycle (tenant_pk, session_pk, session_id, type, reason, at, data)
    SELECT tenant_pk, pk, id, 'extended', NULL, last_activity_at,
           jsonb_build_object('expires_at', expires_at)
      FROM s
), entry AS (
    INSERT INTO audit (tenant_pk, credential_pk, actor, action, target, request_id, at, detail)
    SELECT tenant_pk, $6::bigint, $7::text, 'session.extend', id, $8::text, last_activity_at,
           jsonb_build_object('ttl_s', $4::int)
      FROM s
)
SELECT s.*, subjects.kind AS subject_kind, subjects.external_id AS subject_id
  FROM s JOIN subjects ON subjects.pk = s.subject_pk
"""

# SET expressions read the row as it was before the update, as in PostgreSQL.
_SQLITE_EXTEND = f"""
UPDATE sessions
   SET last_activity_at = MAX(?1, last_activity_at),
       expires_at = CASE
           WHEN max_lifetime_s IS NULL
           THEN MAX(?1, last_activity_at) + COALESCE(?2, idle_timeout_s) * 1000000
           ELSE MIN(MAX(?1, last_activity_at) + COALESCE(?2, idle_timeout_s) * 1000000,
                    opened_at + max_lifetime_s * 1000000) END,
       version = version + 1
 WHERE tenant_pk = ?3 AND id = ?4 AND status = 'active'
   AND (expires_at IS NULL OR expires_at > MAX(?1, last_activity_at))
   AND (?5 IS NULL OR dialect = ?5)
   AND COALESCE(?2, idle_timeout_s) > 0
   AND EXISTS (SELECT 1 FROM tenants WHERE pk = ?3 AND allow_extend)
RETURNING {SESSION_COLUMNS}
"""
_SQLITE_RECORD = (
    "INSERT INTO lifecycle (tenant_pk, session_pk, session_id, type, reason, at, data) "
    "VALUES (?, ?, ?, 'extended', NULL, ?, ?)"
)
_SQLITE_AUDIT = (
    "INSERT INTO audit (tenant_pk, credential_pk, actor, action, target, request_id, at, detail)"
    " VALUES (?, ?, ?, 'session.extend', ?, ?, ?, ?)"
)


async def extend_live(
    ex: Executor,
    tenant_pk: int,
    id: str,
    now: Micros,
    ttl_s: int | None,
    dialect: str | None,
    actor: Actor,
) -> SimpleNamespace | None:
    conn = await ex.driver()
    if ex.dialect == "postgresql":
        return await _extend_live_postgres(conn, tenant_pk, id, now, ttl_s, dialect, actor)
    with sqlite_errors():
        return _extend_live_sqlite(conn, tenant_pk, id, now, ttl_s, dialect, actor)


async def _extend_live_postgres(
    conn: Any,
    tenant_pk: int,
    id: str,
    now: Micros,
    ttl_s: int | None,
    dialect: str | None,
    actor: Actor,
) -> SimpleNamespace | None:
    found = await fetch(
        conn,
        _PG_EXTEND,
        tenant_pk,
        id,
        now,
        ttl_s,
        dialect,
        actor.credential_pk,
        actor.label,
        actor.request_id,
    )
    return None if found is None else row_of(dict(found))


def _extend_live_sqlite(
    conn: Any,
    tenant_pk: int,
    id: str,
    now: Micros,
    ttl_s: int | None,
    dialect: str | None,
    actor: Actor,
) -> SimpleNamespace | None:
    row = sqlite_session(conn, conn.execute(_SQLITE_EXTEND, (now, ttl_s, tenant_pk, id, dialect)))
    if row is None:
        return None
    at = row.last_activity_at
    data = json.dumps({"expires_at": row.expires_at})
    conn.execute(_SQLITE_RECORD, (row.tenant_pk, row.pk, row.id, at, data))
    detail = json.dumps({"ttl_s": ttl_s})
    audit = (row.tenant_pk, actor.credential_pk, actor.label, row.id, actor.request_id, at, detail)
    conn.execute(_SQLITE_AUDIT, audit)
    return row
