"""Hot paths in the driver's own SQL, chosen by profile (bench/PROFILE.md).

``close_live`` closes a session that is live and not due in one step: the session row, its
lifecycle record, the revocation of keys bound to it and the audit entry. On PostgreSQL that
is one statement (data-modifying CTEs), so one round trip with no BEGIN/COMMIT; on SQLite four
statements on the open transaction, without SQLAlchemy's per-statement cost. Any other case
(unknown, deleted, another dialect's, already ended, due to expire) changes nothing here and
returns None: the caller then takes the general path, which decides and reports it.

The close time is the later of the caller's clock and the session's last activity, so a
request that appended events while this one waited for the row lock never leaves an event
after ``closed_at``."""

from __future__ import annotations

import json
import sqlite3
from types import SimpleNamespace
from typing import Any

import asyncpg

from ...domain.errors import Conflict
from ...domain.model import Actor, Micros
from ..errors import StorageUnavailable

_SESSION_COLUMNS = (
    "pk, tenant_pk, id, subject_pk, scope, alias, status, opened_at, last_activity_at, "
    "expires_at, closed_at, close_reason, idle_timeout_s, max_lifetime_s, metered, state, "
    "version, last_seq, dialect, owner"
)

_PG_CLOSE = f"""
WITH s AS (
    UPDATE sessions
       SET status = 'closed', closed_at = GREATEST($3::bigint, last_activity_at),
           close_reason = $4::text, version = version + 1
     WHERE tenant_pk = $1 AND id = $2 AND status = 'active'
       AND (expires_at IS NULL OR expires_at > $3::bigint)
       AND ($5::text IS NULL OR dialect = $5::text)
 RETURNING {_SESSION_COLUMNS}
), record AS (
    INSERT INTO lifecycle (tenant_pk, session_pk, session_id, type, reason, at, data)
    SELECT tenant_pk, pk, id, 'closed', $4::text, closed_at, '{{}}'::jsonb FROM s
), keys AS (
    UPDATE credentials SET revoked_at = $3::bigint
     WHERE bound_session_pk IN (SELECT pk FROM s) AND revoked_at IS NULL
), entry AS (
    INSERT INTO audit (tenant_pk, credential_pk, actor, action, target, request_id, at, detail)
    SELECT tenant_pk, $6::bigint, $7::text, 'session.close', id, $8::text, closed_at,
           jsonb_build_object('reason', $4::text)
      FROM s
)
SELECT s.*, subjects.kind AS subject_kind, subjects.external_id AS subject_id
  FROM s JOIN subjects ON subjects.pk = s.subject_pk
"""

_SQLITE_CLOSE = f"""
UPDATE sessions
   SET status = 'closed', closed_at = MAX(?1, last_activity_at), close_reason = ?2,
       version = version + 1
 WHERE tenant_pk = ?3 AND id = ?4 AND status = 'active'
   AND (expires_at IS NULL OR expires_at > ?1) AND (?5 IS NULL OR dialect = ?5)
RETURNING {_SESSION_COLUMNS}
"""
_SQLITE_SUBJECT = "SELECT kind, external_id FROM subjects WHERE pk = ?"
_SQLITE_RECORD = (
    "INSERT INTO lifecycle (tenant_pk, session_pk, session_id, type, reason, at, data) "
    "VALUES (?, ?, ?, 'closed', ?, ?, '{}')"
)
_SQLITE_REVOKE = (
    "UPDATE credentials SET revoked_at = ? WHERE bound_session_pk = ? AND revoked_at IS NULL"
)
_SQLITE_AUDIT = (
    "INSERT INTO audit (tenant_pk, credential_pk, actor, action, target, request_id, at, detail)"
    " VALUES (?, ?, ?, 'session.close', ?, ?, ?, ?)"
)


def _row(mapping: dict[str, Any]) -> SimpleNamespace:
    state = mapping["state"]
    mapping["state"] = json.loads(state) if isinstance(state, str | bytes) else state
    return SimpleNamespace(**mapping)


async def close_live_postgres(
    conn: Any,
    tenant_pk: int,
    id: str,
    now: Micros,
    reason: str,
    dialect: str | None,
    actor: Actor,
) -> SimpleNamespace | None:
    try:
        found = await conn.fetchrow(
            _PG_CLOSE,
            tenant_pk,
            id,
            now,
            reason,
            dialect,
            actor.credential_pk,
            actor.label,
            actor.request_id,
        )
    except asyncpg.IntegrityConstraintViolationError as exc:
        raise Conflict("the change conflicts with stored data") from exc
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError) as exc:
        conn.terminate()  # the pool must not hand out a connection in an unknown state
        raise StorageUnavailable(type(exc).__name__) from exc
    return None if found is None else _row(dict(found))


def close_live_sqlite(
    conn: Any,
    tenant_pk: int,
    id: str,
    now: Micros,
    reason: str,
    dialect: str | None,
    actor: Actor,
) -> SimpleNamespace | None:
    try:
        return _close_live_sqlite(conn, tenant_pk, id, now, reason, dialect, actor)
    except sqlite3.IntegrityError as exc:
        raise Conflict("the change conflicts with stored data") from exc
    except sqlite3.Error as exc:  # locked past busy_timeout, disk full, ...
        raise StorageUnavailable(type(exc).__name__) from exc


def _close_live_sqlite(
    conn: Any,
    tenant_pk: int,
    id: str,
    now: Micros,
    reason: str,
    dialect: str | None,
    actor: Actor,
) -> SimpleNamespace | None:
    cursor = conn.execute(_SQLITE_CLOSE, (now, reason, tenant_pk, id, dialect))
    found = cursor.fetchone()
    if found is None:
        return None
    row = _row(dict(zip((d[0] for d in cursor.description), found, strict=True)))
    row.subject_kind, row.subject_id = conn.execute(_SQLITE_SUBJECT, (row.subject_pk,)).fetchone()
    conn.execute(_SQLITE_RECORD, (row.tenant_pk, row.pk, row.id, reason, row.closed_at))
    conn.execute(_SQLITE_REVOKE, (now, row.pk))
    detail = json.dumps({"reason": reason})
    conn.execute(
        _SQLITE_AUDIT,
        (
            row.tenant_pk,
            actor.credential_pk,
            actor.label,
            row.id,
            actor.request_id,
            row.closed_at,
            detail,
        ),
    )
    return row
