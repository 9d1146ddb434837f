"""The console's read model (``domain.read_models.ConsoleQueries``): overview counts, paged
session and key lists, a session's timeline. Every list is keyset-paged (``pk`` descending),
never OFFSET."""

from __future__ import annotations

import builtins
from typing import Any

from sqlalchemy import Select, and_, case, func, literal, literal_column, select
from sqlalchemy.sql.elements import ColumnElement

from ...domain.model import Micros
from ...domain.read_models import (
    DAY,
    DayUsage,
    KeyRow,
    SessionQuery,
    SessionRow,
    TenantCounts,
    TimelineEntry,
)
from ...domain.session import Status
from ..executor import Executor
from ..tables import credentials as cr
from ..tables import events as ev
from ..tables import lifecycle as lc
from ..tables import sessions as t
from ..tables import subjects as subj
from ..tables import tenants as tn
from ..tables import work_items as w


def _due(now: Micros) -> ColumnElement[bool]:
    return and_(t.c.status == Status.ACTIVE.value, t.c.expires_at <= now)


def _effective_status(now: Micros) -> ColumnElement[Any]:
    return case((_due(now), literal(Status.EXPIRED.value)), else_=t.c.status)


def _status_is(status: Status, now: Micros) -> ColumnElement[bool]:
    if status is Status.ACTIVE:
        live = t.c.expires_at.is_(None) | (t.c.expires_at > now)
        return and_(t.c.status == Status.ACTIVE.value, live)
    if status is Status.EXPIRED:
        return (t.c.status == Status.EXPIRED.value) | _due(now)
    return t.c.status == status.value


def _session_filters(q: SessionQuery) -> builtins.list[ColumnElement[bool]]:
    out: builtins.list[ColumnElement[bool]] = []
    pairs: tuple[tuple[Any, Any], ...] = (
        (t.c.tenant_pk, q.tenant_pk),
        (subj.c.kind, q.subject_kind),
        (subj.c.external_id, q.subject_id),
        (t.c.scope, q.scope),
        (t.c.dialect, q.dialect),
    )
    out.extend(column == value for column, value in pairs if value is not None)
    if q.status is not None:
        out.append(_status_is(q.status, q.now))
    else:  # deleted sessions keep their row (and metering) but are gone for every reader
        out.append(t.c.status != Status.DELETED.value)
    if q.opened_from is not None:
        out.append(t.c.opened_at >= q.opened_from)
    if q.opened_to is not None:
        out.append(t.c.opened_at < q.opened_to)
    if q.before_pk is not None:
        out.append(t.c.pk < q.before_pk)
    return out


def _session_page(q: SessionQuery, limit: int) -> Select[Any]:
    joined = t.join(subj, (subj.c.pk == t.c.subject_pk) & (subj.c.tenant_pk == t.c.tenant_pk))
    joined = joined.join(tn, tn.c.pk == t.c.tenant_pk)
    ended = func.coalesce(t.c.closed_at, case((_due(q.now), t.c.expires_at)))
    columns = (
        t.c.pk,
        t.c.tenant_pk,
        tn.c.name.label("tenant"),
        t.c.id,
        subj.c.kind.label("subject_kind"),
        subj.c.external_id.label("subject_id"),
        t.c.scope,
        t.c.dialect,
        _effective_status(q.now).label("status"),
        t.c.opened_at,
        ended.label("ended_at"),
        t.c.metered,
    )
    stmt = select(*columns).select_from(joined).where(*_session_filters(q))
    return stmt.order_by(t.c.pk.desc()).limit(limit)


class SqlConsoleQueries:
    def __init__(self, ex: Executor) -> None:
        self._ex = ex

    async def sessions(self, q: SessionQuery, limit: int) -> builtins.list[SessionRow]:
        rows = await self._ex.execute(_session_page(q, limit))
        return [SessionRow(**{**row._asdict(), "metered": bool(row.metered)}) for row in rows]

    async def tenant_counts(
        self, tenant_pks: builtins.list[int], now: Micros, day_start: Micros
    ) -> dict[int, TenantCounts]:
        """Per tenant: live sessions now and sessions opened since ``day_start``."""
        live = and_(
            t.c.status == Status.ACTIVE.value,
            t.c.expires_at.is_(None) | (t.c.expires_at > now),
        )
        mine = t.c.tenant_pk.in_(tenant_pks)  # lets each tenant's index range be used
        active = select(t.c.tenant_pk, func.count().label("n")).where(mine, live)
        opened = select(t.c.tenant_pk, func.count().label("n"))
        opened = opened.where(mine, t.c.opened_at >= day_start)
        counts: dict[int, list[int]] = {}
        for index, stmt in enumerate((active, opened)):
            for row in await self._ex.execute(stmt.group_by(t.c.tenant_pk)):
                counts.setdefault(int(row.tenant_pk), [0, 0])[index] = int(row.n)
        return {pk: TenantCounts(pk, *values) for pk, values in counts.items()}

    async def status_counts(self, now: Micros) -> dict[tuple[int, str], int]:
        """Sessions by effective status per tenant (deleted ones included: they were billed).
        Stored statuses come from an index alone; due sessions (rule 4) are moved from
        active to expired with a second, small query on the due index."""
        stored = select(t.c.tenant_pk, t.c.status, func.count().label("n"))
        stored = stored.group_by(t.c.tenant_pk, t.c.status)
        out = {(int(r.tenant_pk), str(r.status)): int(r.n) for r in await self._ex.execute(stored)}
        due = select(t.c.tenant_pk, func.count().label("n")).where(_due(now))
        for row in await self._ex.execute(due.group_by(t.c.tenant_pk)):
            tenant_pk, n = int(row.tenant_pk), int(row.n)
            out[(tenant_pk, Status.ACTIVE.value)] -= n
            out[(tenant_pk, Status.EXPIRED.value)] = out.get((tenant_pk, "expired"), 0) + n
        return out

    async def usage_by_day(self, since: Micros, now: Micros) -> builtins.list[DayUsage]:
        """Sessions ended (and their billed minutes) per tenant and UTC day since ``since``,
        as usage reports count them: on the day the session ended."""
        closed = select(t.c.tenant_pk, t.c.opened_at, t.c.metered, t.c.closed_at.label("end"))
        closed = closed.where(t.c.closed_at >= since)
        due = select(t.c.tenant_pk, t.c.opened_at, t.c.metered, t.c.expires_at.label("end"))
        due = due.where(_due(now), t.c.expires_at >= since)
        ended = closed.union_all(due).subquery()
        minutes = ((ended.c.end - ended.c.opened_at) // 1_000_000 + 59) // 60
        billed = case((ended.c.metered, minutes), else_=literal(0))
        day = (ended.c.end // DAY).label("day")
        stmt = select(ended.c.tenant_pk, day, func.count().label("n"), func.sum(billed).label("m"))
        # Day first: SQLite then reads the closed_at index alone instead of the whole table.
        stmt = stmt.group_by(literal_column("day"), ended.c.tenant_pk)
        return [
            DayUsage(int(r.tenant_pk), int(r.day), int(r.n), int(r.m or 0))
            for r in await self._ex.execute(stmt)
        ]

    async def keys(
        self, tenant_pk: int | None, before_pk: int | None, limit: int
    ) -> builtins.list[KeyRow]:
        """Credentials people hold (session-bound keys die with their session and are left out)."""
        where = [cr.c.tenant_pk.is_not_distinct_from(tenant_pk), cr.c.bound_session_pk.is_(None)]
        if before_pk is not None:
            where.append(cr.c.pk < before_pk)
        columns = [col for col in cr.c if col.name not in ("digest", "bound_session_pk")]
        stmt = select(*columns).where(*where).order_by(cr.c.pk.desc()).limit(limit)
        return [
            KeyRow(**{**row._asdict(), "attributes": dict(row.attributes)})
            for row in await self._ex.execute(stmt)
        ]

    async def lifecycle(
        self, session_pk: int, after_id: int, limit: int
    ) -> builtins.list[TimelineEntry]:
        stmt = (
            select(lc.c.id, lc.c.type, lc.c.reason, lc.c.at)
            .where((lc.c.session_pk == session_pk) & (lc.c.id > after_id))
            .order_by(lc.c.id)
            .limit(limit)
        )
        return [
            TimelineEntry("lifecycle", int(r.id), r.at, str(r.type), r.reason or "")
            for r in await self._ex.execute(stmt)
        ]

    async def events(
        self, session_pk: int, after_seq: int, limit: int
    ) -> builtins.list[TimelineEntry]:
        columns = (ev.c.seq, ev.c.type, ev.c.occurred_at, ev.c.dedupe_key, ev.c.payload)
        stmt = (
            select(*columns)
            .where((ev.c.session_pk == session_pk) & (ev.c.seq > after_seq))
            .order_by(ev.c.seq)
            .limit(limit)
        )
        return [
            TimelineEntry("event", int(r.seq), r.occurred_at, str(r.type), _brief(r.payload))
            for r in await self._ex.execute(stmt)
        ]

    async def work(
        self, tenant_pk: int, subject_pk: int, session_pk: int, after_pk: int, limit: int
    ) -> builtins.list[TimelineEntry]:
        # The subject columns lead the work items' index; the session narrows it down.
        stmt = (
            select(w.c.pk, w.c.id, w.c.status, w.c.opened_at, w.c.data)
            .where(w.c.tenant_pk == tenant_pk, w.c.subject_pk == subject_pk)
            .where(w.c.session_pk == session_pk)
            .where(w.c.pk > after_pk)
            .order_by(w.c.pk)
            .limit(limit)
        )
        return [
            TimelineEntry("work", int(r.pk), r.opened_at, f"{r.id} {r.status}", _brief(r.data))
            for r in await self._ex.execute(stmt)
        ]


def _brief(payload: Any, limit: int = 200) -> str:
    """A one-line view of a JSON payload for the timeline."""
    if not payload:
        return ""
    if isinstance(payload, dict):
        text = ", ".join(f"{k}={v}" for k, v in payload.items())
    else:
        text = str(payload)
    return text if len(text) <= limit else text[: limit - 1] + "…"
