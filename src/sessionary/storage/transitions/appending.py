"""Appending events: the ``touch`` transition of the session (steps.py) plus the events,
numbered and timed from the row it changed, in the same statement on PostgreSQL and the same
transaction on SQLite. The batch travels as one JSON parameter, read back as rows by each
engine's own JSON function (the only part written per engine)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
from sqlalchemy import BigInteger, String, bindparam, column, func, insert, select, text, true
from sqlalchemy.types import JSON

from ...domain.model import NewEvent
from ..tables import events
from .steps import N_EVENTS

EVENTS = bindparam("events", type_=String)
_FIELDS = (
    column("i", BigInteger),
    column("type", String),
    column("occurred_at", BigInteger),
    column("ordinal", BigInteger),
    column("payload", JSON),
    column("dedupe_key", String),
)
_PG_ROWS = (
    "SELECT * FROM json_to_recordset(CAST(:events AS json)) AS r(i bigint, type text,"
    " occurred_at bigint, ordinal bigint, payload jsonb, dedupe_key text)"
)
_SQLITE_ROWS = (
    "SELECT value ->> '$.i' AS i, value ->> '$.type' AS type,"
    " value ->> '$.occurred_at' AS occurred_at, value ->> '$.ordinal' AS ordinal,"
    " value -> '$.payload' AS payload, value ->> '$.dedupe_key' AS dedupe_key"
    " FROM json_each(:events)"
)
_COLUMNS = [column.name for column in events.c]  # the values below, in the table's order


def _insert_events(rows_sql: str, changed: Any) -> list[Any]:
    """Event ``i`` of a batch of ``n`` becomes seq ``last_seq - n + i`` (the row's last_seq is
    already advanced), recorded at the session's activity time, occurring then unless the
    client said when."""
    batch = text(rows_sql).bindparams(EVENTS).columns(*_FIELDS).subquery("batch")
    c = changed.c
    at = c.last_activity_at
    values = select(
        c.pk,
        c.last_seq - N_EVENTS + batch.c.i,
        c.tenant_pk,
        batch.c.type,
        func.coalesce(batch.c.occurred_at, at),
        at,
        batch.c.dedupe_key,
        batch.c.ordinal,
        batch.c.payload,
    ).select_from(changed.join(batch, true()))
    return [insert(events).from_select(_COLUMNS, values)]


def pg_events(changed: Any) -> list[Any]:
    return _insert_events(_PG_ROWS, changed)


def sqlite_events(changed: Any) -> list[Any]:
    return _insert_events(_SQLITE_ROWS, changed)


class _Row(msgspec.Struct):
    i: int
    type: str
    occurred_at: int | None
    ordinal: int | None
    payload: Any
    dedupe_key: str | None


_ENCODER = msgspec.json.Encoder()


def encode(batch: Sequence[NewEvent]) -> str:
    rows = [
        _Row(i, e.type, e.occurred_at, e.ordinal, e.payload, e.dedupe_key)
        for i, e in enumerate(batch, start=1)
    ]
    return _ENCODER.encode(rows).decode()
