"""Opening a session in one step: the tenant's policy, the subject (found or added), the
session, its ``opened`` record and the audit entry; one statement on PostgreSQL, a few on
SQLite's open transaction. It returns None, having changed nothing, when the tenant is gone or
a subject being created by a concurrent request is not yet visible; the caller then decides.

The policy resolution is the domain's (``OpenRequest``): the request's timeouts, else the
tenant's, else the dialect's fallback idle timeout; 0 counts as unset everywhere."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

from ...domain.changes import Opening
from ...domain.session import initial_expiry
from ..errors import asyncpg_errors, sqlite_errors
from ..rows import row_of, sqlite_rows

SESSION_COLUMNS = (
    "pk, tenant_pk, id, subject_pk, scope, alias, status, opened_at, last_activity_at, "
    "expires_at, closed_at, close_reason, idle_timeout_s, max_lifetime_s, metered, state, "
    "version, last_seq, dialect, owner"
)

_US = "1000000::bigint"
_PG_OPEN = f"""
WITH t AS (
    SELECT COALESCE(NULLIF($9::int, 0), NULLIF(idle_timeout_s, 0), $17::int) AS idle,
           COALESCE(NULLIF($10::int, 0), NULLIF(max_lifetime_s, 0)) AS life
      FROM tenants WHERE pk = $1
), new_subject AS (
    INSERT INTO subjects (tenant_pk, kind, external_id, attributes, created_at)
    SELECT $1, $3::text, $4::text, '{{}}'::jsonb, $5::bigint FROM t
    ON CONFLICT (tenant_pk, kind, external_id) DO NOTHING
 RETURNING pk
), subject AS (
    SELECT pk FROM new_subject
    UNION ALL
    SELECT pk FROM subjects WHERE tenant_pk = $1 AND kind = $3::text AND external_id = $4::text
), s AS (
    INSERT INTO sessions (tenant_pk, id, subject_pk, scope, alias, status, opened_at,
                          last_activity_at, expires_at, idle_timeout_s, max_lifetime_s, metered,
                          state, version, last_seq, dialect, owner)
    SELECT $1, $2::text, subject.pk, $6::text, $7::text, 'active', $5::bigint, $5::bigint,
           CASE WHEN t.idle IS NULL THEN $5::bigint + t.life * {_US}
                WHEN t.life IS NULL THEN $5::bigint + t.idle * {_US}
                ELSE LEAST($5::bigint + t.idle * {_US}, $5::bigint + t.life * {_US}) END,
           t.idle, t.life, $11::boolean, $12::jsonb, 1, 0, $8::text, $13::text
      FROM t, (SELECT pk FROM subject LIMIT 1) AS subject
 RETURNING {SESSION_COLUMNS}
), record AS (
    INSERT INTO lifecycle (tenant_pk, session_pk, session_id, type, reason, at, data)
    SELECT tenant_pk, pk, id, 'opened', NULL, opened_at, jsonb_build_object('dialect', dialect)
      FROM s
), entry AS (
    INSERT INTO audit (tenant_pk, credential_pk, actor, action, target, request_id, at, detail)
    SELECT tenant_pk, $14::bigint, $15::text, 'session.open', id, $16::text, opened_at,
           '{{}}'::jsonb
      FROM s
)
SELECT s.*, $3::text AS subject_kind, $4::text AS subject_id FROM s
"""

_SQLITE_POLICY = "SELECT idle_timeout_s, max_lifetime_s FROM tenants WHERE pk = ?"
_SQLITE_FIND_SUBJECT = (
    "SELECT pk FROM subjects WHERE tenant_pk = ? AND kind = ? AND external_id = ?"
)
_SQLITE_ADD_SUBJECT = (
    "INSERT INTO subjects (tenant_pk, kind, external_id, attributes, created_at)"
    " VALUES (?, ?, ?, '{}', ?) RETURNING pk"
)
_SQLITE_ADD_SESSION = f"""
INSERT INTO sessions (tenant_pk, id, subject_pk, scope, alias, status, opened_at,
                      last_activity_at, expires_at, idle_timeout_s, max_lifetime_s, metered,
                      state, version, last_seq, dialect, owner)
VALUES (?, ?, ?, ?, ?, 'active', ?, ?, ?, ?, ?, ?, ?, 1, 0, ?, ?)
RETURNING {SESSION_COLUMNS}
"""
_SQLITE_OPENED = (
    "INSERT INTO lifecycle (tenant_pk, session_pk, session_id, type, reason, at, data) "
    "VALUES (?, ?, ?, 'opened', NULL, ?, ?)"
)
_SQLITE_OPEN_AUDIT = (
    "INSERT INTO audit (tenant_pk, credential_pk, actor, action, target, request_id, at, detail)"
    " VALUES (?, ?, ?, 'session.open', ?, ?, ?, '{}')"
)


async def open_postgres(conn: Any, req: Opening) -> SimpleNamespace | None:
    actor = req.actor
    with asyncpg_errors(conn):
        found = await conn.fetchrow(
            _PG_OPEN,
            req.tenant_pk,
            req.id,
            req.subject_kind,
            req.subject_id,
            req.now,
            req.scope,
            req.alias,
            req.dialect,
            req.idle_timeout_s,
            req.max_lifetime_s,
            req.metered,
            json.dumps(req.state),
            req.owner,
            actor.credential_pk,
            actor.label,
            actor.request_id,
            req.fallback_idle_timeout_s,
        )
    return None if found is None else row_of(dict(found))


def open_sqlite(conn: Any, req: Opening) -> SimpleNamespace | None:
    with sqlite_errors():
        return _open_sqlite(conn, req)


def _open_sqlite(conn: Any, req: Opening) -> SimpleNamespace | None:
    policy = conn.execute(_SQLITE_POLICY, (req.tenant_pk,)).fetchone()
    if policy is None:
        return None
    now, actor = req.now, req.actor
    idle = req.idle_timeout_s or policy[0] or req.fallback_idle_timeout_s
    life = req.max_lifetime_s or policy[1]
    key = (req.tenant_pk, req.subject_kind, req.subject_id)
    subject = conn.execute(_SQLITE_FIND_SUBJECT, key).fetchone()
    if subject is None:
        subject = conn.execute(_SQLITE_ADD_SUBJECT, (*key, now)).fetchone()
    expires = initial_expiry(now, idle, life)
    row = sqlite_rows(
        conn.execute(
            _SQLITE_ADD_SESSION,
            (*(req.tenant_pk, req.id, subject[0], req.scope, req.alias, now, now, expires),
             *(idle, life, req.metered, json.dumps(req.state), req.dialect, req.owner)),
        )
    )[0]
    row.subject_kind, row.subject_id = req.subject_kind, req.subject_id
    data = json.dumps({"dialect": req.dialect})
    conn.execute(_SQLITE_OPENED, (req.tenant_pk, row.pk, req.id, now, data))
    audit = (req.tenant_pk, actor.credential_pk, actor.label, req.id, actor.request_id, now)
    conn.execute(_SQLITE_OPEN_AUDIT, audit)
    return row
