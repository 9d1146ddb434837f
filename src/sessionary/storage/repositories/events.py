from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import msgspec
from sqlalchemy import String, bindparam, delete, func, insert, select, text
from sqlalchemy.dialects import postgresql

from ...domain.model import Event, Micros
from ...domain.session import Status
from ..errors import asyncpg_errors
from ..executor import Executor
from ..tables import events as e
from ..tables import sessions as s


def _event(row: Any) -> Event:
    return Event(
        row.session_pk,
        row.seq,
        row.type,
        row.occurred_at,
        row.recorded_at,
        row.dedupe_key,
        row.payload,
        row.ordinal,
    )


_INSERT = insert(e)
# PostgreSQL: a batch goes in by binary COPY on the driver's connection, inside the unit of
# work's transaction. A 5,000-row batch took 58-60 ms of server CPU as one INSERT over a JSON
# array, 52-57 as INSERT over unnest() arrays, 42-45 by COPY, at the same client CPU
# (bench/PROFILE.md section 15).
_COPY_COLUMNS = (
    "session_pk",
    "seq",
    "tenant_pk",
    "type",
    "occurred_at",
    "recorded_at",
    "dedupe_key",
    "ordinal",
    "payload",
)
_EXISTING = select(e.c.dedupe_key).where(
    (e.c.session_pk == bindparam("session_pk"))
    & e.c.dedupe_key.in_(bindparam("keys", expanding=True))
)
# PostgreSQL: one probe of the (session_pk, dedupe_key) index per key. A 500-parameter IN list,
# and then `dedupe_key = ANY($2)`, both let the plan read every event of the session through
# (session_pk, ordinal) and test each against the whole list: in the generic plan that
# prepared statements get after five runs the array is a parameter, not hashed, so a
# 5,000-passing batch took 2 s once the session held 5,000 events (measured).
_EXISTING_PROBES = text(
    "SELECT k.key FROM unnest(CAST(:keys AS text[])) AS k(key)"
    " WHERE EXISTS (SELECT 1 FROM events e"
    " WHERE e.session_pk = :session_pk AND e.dedupe_key = k.key)"
).bindparams(bindparam("keys", type_=postgresql.ARRAY(String)))


_JSON = msgspec.json.Encoder()


class SqlEventRepository:
    def __init__(self, ex: Executor) -> None:
        self._ex = ex

    async def existing_keys(self, session_pk: int, keys: Sequence[str]) -> set[str]:
        if self._ex.dialect == "postgresql":
            rows = await self._ex.execute(
                _EXISTING_PROBES, {"session_pk": session_pk, "keys": list(keys)}
            )
            return {r[0] for r in rows}
        found: set[str] = set()
        for start in range(0, len(keys), 500):  # stay under bound-parameter limits
            chunk = list(keys[start : start + 500])
            rows = await self._ex.execute(_EXISTING, {"session_pk": session_pk, "keys": chunk})
            found.update(r[0] for r in rows)
        return found

    async def add_many(self, tenant_pk: int, events: Sequence[Event]) -> None:
        if not events:
            return
        if self._ex.dialect == "postgresql":
            await self._copy(tenant_pk, events)
            return
        rows = [
            {
                "session_pk": ev.session_pk,
                "seq": ev.seq,
                "tenant_pk": tenant_pk,
                "type": ev.type,
                "occurred_at": ev.occurred_at,
                "recorded_at": ev.recorded_at,
                "dedupe_key": ev.dedupe_key,
                "ordinal": ev.ordinal,
                "payload": ev.payload,
            }
            for ev in events
        ]
        await self._ex.execute(_INSERT, rows)

    async def _copy(self, tenant_pk: int, events: Sequence[Event]) -> None:
        records = [
            (
                ev.session_pk,
                ev.seq,
                tenant_pk,
                ev.type,
                ev.occurred_at,
                ev.recorded_at,
                ev.dedupe_key,
                ev.ordinal,
                _JSON.encode(ev.payload).decode(),
            )
            for ev in events
        ]
        conn = await self._ex.driver_in_transaction()
        with asyncpg_errors(conn):
            await conn.copy_records_to_table("events", records=records, columns=_COPY_COLUMNS)

    async def list(
        self, session_pk: int, after_seq: int, to_seq: int | None, limit: int
    ) -> list[Event]:
        stmt = select(e).where((e.c.session_pk == session_pk) & (e.c.seq > after_seq))
        if to_seq is not None:
            stmt = stmt.where(e.c.seq <= to_seq)
        rows = await self._ex.execute(stmt.order_by(e.c.seq).limit(limit))
        return [_event(r) for r in rows]

    async def list_by_ordinal(
        self,
        session_pk: int,
        ordinals: tuple[int | None, int | None],
        time_range: tuple[Micros | None, Micros | None],
        page: tuple[int, int],
    ) -> builtins.list[Event]:
        stmt = select(e).where(e.c.session_pk == session_pk)
        bounds = ((e.c.ordinal, ordinals), (e.c.occurred_at, time_range))
        for column, (low, high) in bounds:
            if low is not None:
                stmt = stmt.where(column >= low)
            if high is not None:
                stmt = stmt.where(column <= high)
        offset, limit = page
        stmt = stmt.order_by(e.c.ordinal, e.c.seq).offset(offset).limit(limit)
        return [_event(r) for r in await self._ex.execute(stmt)]

    async def list_for_subject(
        self,
        tenant_pk: int,
        subject_pk: int,
        time_from: Micros | None,
        time_to: Micros | None,
        offset: int,
        limit: int,
    ) -> builtins.list[tuple[str, Event]]:
        """Events of every (not deleted) session of a subject, by occurrence time."""
        stmt = (
            select(e, s.c.id.label("session_id"))
            .select_from(e.join(s, s.c.pk == e.c.session_pk))
            .where(
                (s.c.tenant_pk == tenant_pk)
                & (s.c.subject_pk == subject_pk)
                & (s.c.status != Status.DELETED.value)
            )
        )
        if time_from is not None:
            stmt = stmt.where(e.c.occurred_at >= time_from)
        if time_to is not None:
            stmt = stmt.where(e.c.occurred_at <= time_to)
        stmt = stmt.order_by(e.c.occurred_at, e.c.ordinal, e.c.seq).offset(offset).limit(limit)
        return [(r.session_id, _event(r)) for r in await self._ex.execute(stmt)]

    async def time_bounds(self, session_pk: int) -> tuple[Micros | None, Micros | None]:
        stmt = select(func.min(e.c.occurred_at), func.max(e.c.occurred_at)).where(
            e.c.session_pk == session_pk
        )
        row = (await self._ex.execute(stmt)).one()
        low: Micros | None = row[0]
        high: Micros | None = row[1]  # type: ignore[misc]
        return low, high

    async def delete_for_session(self, session_pk: int) -> None:
        await self._ex.execute(delete(e).where(e.c.session_pk == session_pk))
