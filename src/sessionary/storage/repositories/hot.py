"""Hot paths in the driver's own SQL, chosen by profile (bench/PROFILE.md).

``open_plain`` opens a session without supersede, owner limit or bound key (the common case):
tenant policy, subject upsert, session, lifecycle record and audit entry in one statement on
PostgreSQL. It returns None, having changed nothing, when the tenant is gone or a subject being
created by a concurrent request is not yet visible; the general path then decides.

``close_live`` closes a session that is live and not due in one step: the session row, its
lifecycle record, the revocation of keys bound to it and the audit entry. On PostgreSQL that
is one statement (data-modifying CTEs), so one round trip with no BEGIN/COMMIT; on SQLite four
statements on the open transaction, without SQLAlchemy's per-statement cost. Any other case
(unknown, deleted, another dialect's, already ended, due to expire) changes nothing here and
returns None: the caller then takes the general path, which decides and reports it.

On PostgreSQL the one-step close takes the row only if no one holds it (``FOR UPDATE SKIP
LOCKED``): its clock was read before the statement, and after a wait for the lock it could close
a session whose expiry passed meanwhile. A locked row gives None and the general path waits,
then reads the clock. The close time is the later of the caller's clock and the session's last
activity, so an append that committed just before never leaves an event after ``closed_at``."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

from ...domain.model import Actor, Micros
from ...domain.ports import PlainOpen
from ...domain.session import ended_data, initial_expiry
from ..errors import asyncpg_errors, sqlite_errors
from ..executor import Executor

SESSION_COLUMNS = (
    "pk, tenant_pk, id, subject_pk, scope, alias, status, opened_at, last_activity_at, "
    "expires_at, closed_at, close_reason, idle_timeout_s, max_lifetime_s, metered, state, "
    "version, last_seq, dialect, owner"
)

# The data of an ending record (domain/session.py ``ended_data``) over the columns a one-step
# statement RETURNs: rule 5 in SQL, whole seconds then minutes rounded up, 0 when unmetered.
PG_ENDED_DATA = (
    "jsonb_build_object('billed_minutes', CASE WHEN metered"
    " THEN (GREATEST(closed_at - opened_at, 0) / 1000000 + 59) / 60 ELSE 0 END,"
    " 'ended_at', closed_at)"
)

_PG_CLOSE = f"""
WITH target AS (
    SELECT pk FROM sessions WHERE tenant_pk = $1 AND id = $2 FOR UPDATE SKIP LOCKED
), s AS (
    UPDATE sessions
       SET status = 'closed', closed_at = GREATEST($3::bigint, last_activity_at),
           close_reason = $4::text, version = version + 1
     WHERE pk = (SELECT pk FROM target) AND status = 'active'
       AND (expires_at IS NULL OR expires_at > $3::bigint)
       AND ($5::text IS NULL OR dialect = $5::text)
 RETURNING {SESSION_COLUMNS}
), record AS (
    INSERT INTO lifecycle (tenant_pk, session_pk, session_id, type, reason, at, data)
    SELECT tenant_pk, pk, id, 'closed', $4::text, closed_at, {PG_ENDED_DATA} FROM s
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
RETURNING {SESSION_COLUMNS}
"""
_SQLITE_SUBJECT = "SELECT kind, external_id FROM subjects WHERE pk = ?"
_SQLITE_RECORD = (
    "INSERT INTO lifecycle (tenant_pk, session_pk, session_id, type, reason, at, data) "
    "VALUES (?, ?, ?, 'closed', ?, ?, ?)"
)
# INDEXED BY: statistics gathered while no key was bound (ANALYZE on a young database) make
# SQLite scan every credential instead (221 us with 4,500 game tokens, measured).
SQLITE_REVOKE = (
    "UPDATE credentials INDEXED BY ix_credentials_bound SET revoked_at = ?"
    " WHERE bound_session_pk = ? AND revoked_at IS NULL"
)
_SQLITE_AUDIT = (
    "INSERT INTO audit (tenant_pk, credential_pk, actor, action, target, request_id, at, detail)"
    " VALUES (?, ?, ?, 'session.close', ?, ?, ?, ?)"
)


async def fetch(conn: Any, sql: str, *args: Any) -> Any:
    """One statement on an asyncpg connection, its errors translated (database.py does the
    same for statements that go through SQLAlchemy)."""
    with asyncpg_errors(conn):
        return await conn.fetchrow(sql, *args)


def sqlite_row(cursor: Any, found: Any) -> SimpleNamespace:
    """A row of SESSION_COLUMNS (and any more) from a sqlite3 cursor, as ``row_of`` makes it."""
    return row_of(dict(zip((d[0] for d in cursor.description), found, strict=True)))


def sqlite_session(conn: Any, cursor: Any) -> SimpleNamespace | None:
    """The session an UPDATE ... RETURNING on SQLite changed, with its subject's kind and id;
    None when it changed none."""
    found = cursor.fetchone()
    if found is None:
        return None
    row = sqlite_row(cursor, found)
    row.subject_kind, row.subject_id = conn.execute(_SQLITE_SUBJECT, (row.subject_pk,)).fetchone()
    return row


def sqlite_ended_data(row: SimpleNamespace) -> str:
    """An ending record's data for a row SQLite just ended, by the domain's own rule."""
    return json.dumps(ended_data(row.opened_at, row.closed_at, bool(row.metered)))


def row_of(mapping: dict[str, Any]) -> SimpleNamespace:
    state = mapping["state"]
    mapping["state"] = json.loads(state) if isinstance(state, str | bytes) else state
    return SimpleNamespace(**mapping)


async def close_live(
    ex: Executor,
    tenant_pk: int,
    id: str,
    now: Micros,
    reason: str,
    dialect: str | None,
    actor: Actor,
) -> SimpleNamespace | None:
    conn = await ex.driver()
    if ex.dialect == "postgresql":
        return await close_live_postgres(conn, tenant_pk, id, now, reason, dialect, actor)
    return close_live_sqlite(conn, tenant_pk, id, now, reason, dialect, actor)


async def close_live_postgres(
    conn: Any,
    tenant_pk: int,
    id: str,
    now: Micros,
    reason: str,
    dialect: str | None,
    actor: Actor,
) -> SimpleNamespace | None:
    found = await fetch(
        conn,
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
    return None if found is None else row_of(dict(found))


def close_live_sqlite(
    conn: Any,
    tenant_pk: int,
    id: str,
    now: Micros,
    reason: str,
    dialect: str | None,
    actor: Actor,
) -> SimpleNamespace | None:
    with sqlite_errors():
        return _close_live_sqlite(conn, tenant_pk, id, now, reason, dialect, actor)


def _close_live_sqlite(
    conn: Any,
    tenant_pk: int,
    id: str,
    now: Micros,
    reason: str,
    dialect: str | None,
    actor: Actor,
) -> SimpleNamespace | None:
    row = sqlite_session(conn, conn.execute(_SQLITE_CLOSE, (now, reason, tenant_pk, id, dialect)))
    if row is None:
        return None
    record = (row.tenant_pk, row.pk, row.id, reason, row.closed_at, sqlite_ended_data(row))
    conn.execute(_SQLITE_RECORD, record)
    conn.execute(SQLITE_REVOKE, (now, row.pk))
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


# -- open -----------------------------------------------------------------------------------


_US = "1000000::bigint"
_PG_OPEN = f"""
WITH t AS (
    SELECT COALESCE($9::int, idle_timeout_s) AS idle, COALESCE($10::int, max_lifetime_s) AS life
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


async def open_plain_postgres(
    conn: Any, req: PlainOpen, now: Micros, actor: Actor
) -> SimpleNamespace | None:
    found = await fetch(
        conn,
        _PG_OPEN,
        req.tenant_pk,
        req.id,
        req.subject_kind,
        req.subject_id,
        now,
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
    )
    return None if found is None else row_of(dict(found))


def open_plain_sqlite(
    conn: Any, req: PlainOpen, now: Micros, actor: Actor
) -> SimpleNamespace | None:
    with sqlite_errors():
        return _open_plain_sqlite(conn, req, now, actor)


def _open_plain_sqlite(
    conn: Any, req: PlainOpen, now: Micros, actor: Actor
) -> SimpleNamespace | None:
    policy = conn.execute(_SQLITE_POLICY, (req.tenant_pk,)).fetchone()
    if policy is None:
        return None
    idle = req.idle_timeout_s or policy[0]
    life = req.max_lifetime_s or policy[1]
    key = (req.tenant_pk, req.subject_kind, req.subject_id)
    subject = conn.execute(_SQLITE_FIND_SUBJECT, key).fetchone()
    if subject is None:
        subject = conn.execute(_SQLITE_ADD_SUBJECT, (*key, now)).fetchone()
    cursor = conn.execute(
        _SQLITE_ADD_SESSION,
        (
            req.tenant_pk,
            req.id,
            subject[0],
            req.scope,
            req.alias,
            now,
            now,
            initial_expiry(now, idle, life),
            idle,
            life,
            req.metered,
            json.dumps(req.state),
            req.dialect,
            req.owner,
        ),
    )
    row = sqlite_row(cursor, cursor.fetchone())
    row.subject_kind, row.subject_id = req.subject_kind, req.subject_id
    data = json.dumps({"dialect": req.dialect})
    conn.execute(_SQLITE_OPENED, (req.tenant_pk, row.pk, req.id, now, data))
    conn.execute(
        _SQLITE_OPEN_AUDIT,
        (req.tenant_pk, actor.credential_pk, actor.label, req.id, actor.request_id, now),
    )
    return row
