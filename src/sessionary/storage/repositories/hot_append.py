"""Append a batch without dedupe keys to a live session in one step (bench/PROFILE.md).

The general path (services/events.py) locks the session row, reads it, inserts the events and
writes the row back: on PostgreSQL five round trips with BEGIN and COMMIT. Here the row is
changed by one UPDATE whose conditions are those the general path checks (live, not due, of the
named dialect), and the events are inserted from its result: on PostgreSQL one statement (data-
modifying CTEs, no BEGIN/COMMIT), on SQLite two statements on the open transaction. A session
in any other state changes nothing and gives None: the general path then decides and reports.

On PostgreSQL the row is taken only if no one holds it (``FOR UPDATE SKIP LOCKED``): "now" is
read before the statement, and a statement that waited for the lock could act in the past, for
instance revive a session whose expiry passed meanwhile. A locked row gives None, and the
general path waits for it and reads the clock after. "Now" is also never earlier than the
session's last activity, so activity time never moves back and events are numbered and timed
in the same order. The expiry follows ``Session.touch``: activity pushes the
idle deadline out, never earlier than it was and never past the absolute lifetime."""

from __future__ import annotations

import json
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import msgspec

from ...domain.model import Micros, NewEvent
from ..errors import sqlite_errors
from ..executor import Executor
from .hot import SESSION_COLUMNS, fetch, row_of, sqlite_session

_NOW = "GREATEST($3::bigint, last_activity_at)"
_PG_APPEND = f"""
WITH target AS (
    SELECT pk FROM sessions WHERE tenant_pk = $1 AND id = $2 FOR UPDATE SKIP LOCKED
), s AS (
    UPDATE sessions
       SET last_activity_at = {_NOW},
           last_seq = last_seq + $4::bigint,
           expires_at = CASE WHEN idle_timeout_s IS NULL THEN expires_at ELSE LEAST(
               GREATEST(COALESCE(expires_at, {_NOW} + idle_timeout_s * 1000000::bigint),
                        {_NOW} + idle_timeout_s * 1000000::bigint),
               COALESCE(opened_at + max_lifetime_s * 1000000::bigint,
                        9223372036854775807::bigint)) END
     WHERE pk = (SELECT pk FROM target) AND status = 'active'
       AND (expires_at IS NULL OR expires_at > {_NOW})
       AND ($5::text IS NULL OR dialect = $5::text)
 RETURNING {SESSION_COLUMNS}
), added AS (
    INSERT INTO events (session_pk, seq, tenant_pk, type, occurred_at, recorded_at,
                        dedupe_key, ordinal, payload)
    SELECT s.pk, s.last_seq - $4::bigint + r.i, s.tenant_pk, r.type,
           COALESCE(r.occurred_at, s.last_activity_at), s.last_activity_at, NULL, r.ordinal,
           r.payload
      FROM s, json_to_recordset($6::json)
           AS r(i bigint, type text, occurred_at bigint, ordinal bigint, payload jsonb)
)
SELECT s.*, subjects.kind AS subject_kind, subjects.external_id AS subject_id
  FROM s JOIN subjects ON subjects.pk = s.subject_pk
"""

_SQLITE_NOW = "MAX(?1, last_activity_at)"
_SQLITE_APPEND = f"""
UPDATE sessions
   SET last_activity_at = {_SQLITE_NOW},
       last_seq = last_seq + ?2,
       expires_at = CASE WHEN idle_timeout_s IS NULL THEN expires_at ELSE MIN(
           MAX(COALESCE(expires_at, {_SQLITE_NOW} + idle_timeout_s * 1000000),
               {_SQLITE_NOW} + idle_timeout_s * 1000000),
           COALESCE(opened_at + max_lifetime_s * 1000000, 9223372036854775807)) END
 WHERE tenant_pk = ?3 AND id = ?4 AND status = 'active'
   AND (expires_at IS NULL OR expires_at > {_SQLITE_NOW})
   AND (?5 IS NULL OR dialect = ?5)
RETURNING {SESSION_COLUMNS}
"""
_SQLITE_EVENTS = (
    "INSERT INTO events (session_pk, seq, tenant_pk, type, occurred_at, recorded_at,"
    " dedupe_key, ordinal, payload) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?)"
)


class _Row(msgspec.Struct):
    i: int
    type: str
    occurred_at: int | None
    ordinal: int | None
    payload: Any


_ROWS = msgspec.json.Encoder()


async def append_plain(
    ex: Executor,
    tenant_pk: int,
    id: str,
    batch: Sequence[NewEvent],
    now: Micros,
    dialect: str | None,
) -> SimpleNamespace | None:
    conn = await ex.driver()
    if ex.dialect == "postgresql":
        return await append_plain_postgres(conn, tenant_pk, id, batch, now, dialect)
    return append_plain_sqlite(conn, tenant_pk, id, batch, now, dialect)


async def append_plain_postgres(
    conn: Any, tenant_pk: int, id: str, batch: Sequence[NewEvent], now: Micros, dialect: str | None
) -> SimpleNamespace | None:
    rows = [
        _Row(i, event.type, event.occurred_at, event.ordinal, event.payload)
        for i, event in enumerate(batch, start=1)
    ]
    found = await fetch(
        conn, _PG_APPEND, tenant_pk, id, now, len(batch), dialect, _ROWS.encode(rows).decode()
    )
    return None if found is None else row_of(dict(found))


def append_plain_sqlite(
    conn: Any, tenant_pk: int, id: str, batch: Sequence[NewEvent], now: Micros, dialect: str | None
) -> SimpleNamespace | None:
    with sqlite_errors():
        cursor = conn.execute(_SQLITE_APPEND, (now, len(batch), tenant_pk, id, dialect))
        row = sqlite_session(conn, cursor)
        if row is None:
            return None
        conn.executemany(_SQLITE_EVENTS, _sqlite_events(row, batch))
        return row


def _sqlite_events(row: SimpleNamespace, batch: Sequence[NewEvent]) -> list[tuple[Any, ...]]:
    at, first = row.last_activity_at, row.last_seq - len(batch) + 1
    return [
        (
            row.pk,
            first + n,
            row.tenant_pk,
            event.type,
            at if event.occurred_at is None else event.occurred_at,
            at,
            event.ordinal,
            json.dumps(event.payload),
        )
        for n, event in enumerate(batch)
    ]
