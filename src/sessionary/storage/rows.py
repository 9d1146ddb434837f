"""A stored session row (with its subject's kind and id) as the domain's ``Session``, from
either driver."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

from ..domain.session import CloseReason, Session, Status


def row_of(mapping: dict[str, Any]) -> SimpleNamespace:
    state = mapping["state"]
    mapping["state"] = json.loads(state) if isinstance(state, str | bytes) else state
    return SimpleNamespace(**mapping)


def sqlite_rows(cursor: Any, decode: bool = True) -> list[SimpleNamespace]:
    """Every row of a sqlite3 cursor, as ``row_of`` makes them (``decode``: a session's
    state decoded from JSON; other rows say what to decode themselves)."""
    found = cursor.fetchall()
    if not found:
        return []
    names = [d[0] for d in cursor.description]
    rows = (dict(zip(names, values, strict=True)) for values in found)
    return [row_of(r) if decode else SimpleNamespace(**r) for r in rows]


def session_of(row: Any) -> Session:
    return Session(
        pk=row.pk,
        tenant_pk=row.tenant_pk,
        id=row.id,
        subject_pk=row.subject_pk,
        subject_kind=row.subject_kind,
        subject_id=row.subject_id,
        scope=row.scope,
        alias=row.alias,
        status=Status(row.status),
        opened_at=row.opened_at,
        last_activity_at=row.last_activity_at,
        expires_at=row.expires_at,
        closed_at=row.closed_at,
        close_reason=None if row.close_reason is None else CloseReason(row.close_reason),
        idle_timeout_s=row.idle_timeout_s,
        max_lifetime_s=row.max_lifetime_s,
        metered=bool(row.metered),
        state=dict(row.state),
        version=row.version,
        last_seq=row.last_seq,
        dialect=row.dialect,
        owner=row.owner,
    )
