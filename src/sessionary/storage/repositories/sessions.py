from __future__ import annotations

import builtins
from typing import Any

from sqlalchemy import (
    Select,
    and_,
    bindparam,
    case,
    delete,
    func,
    literal_column,
    select,
)
from sqlalchemy.sql.elements import ColumnElement

from ...domain.model import Micros
from ...domain.ports import SessionFilter, SubjectTotals, UsageRow
from ...domain.session import Session, Status
from ..errors import asyncpg_errors
from ..executor import Executor
from ..rows import session_of as _session
from ..tables import sessions as t
from ..tables import subjects as subj
from ..transitions.steps import billed_minutes, due
from .session_changes import SessionChanges

DAY: Micros = 86_400_000_000
_COLUMNS = (*t.c, subj.c.kind.label("subject_kind"), subj.c.external_id.label("subject_id"))
_JOINED = t.join(subj, subj.c.pk == t.c.subject_pk)


def _select() -> Select[Any]:
    return select(*_COLUMNS).select_from(_JOINED)


def _locking(stmt: Select[Any], *, skip_locked: bool = False) -> Select[Any]:
    return stmt.with_for_update(of=t, skip_locked=skip_locked)


# Hot statements are built once: SQLAlchemy then reuses their cache keys and compiled SQL,
# which measured about half of a request's CPU when they were rebuilt per call.
_OWNER_LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))"
_OF_SUBJECT = (t.c.tenant_pk == bindparam("tenant_pk")) & (
    t.c.subject_pk == bindparam("subject_pk")
)
_LIVE_OF_SUBJECT = _OF_SUBJECT & (t.c.status == Status.ACTIVE.value)
_LOCK_LIVE_ANY_SCOPE = _locking(_select().where(_LIVE_OF_SUBJECT).order_by(t.c.pk))
_LOCK_LIVE_IN_SCOPE = _locking(
    _select()
    .where(_LIVE_OF_SUBJECT & t.c.scope.is_not_distinct_from(bindparam("scope")))
    .order_by(t.c.pk)
)
_LOCK_ALL_OF_SUBJECT = _locking(_select().where(_OF_SUBJECT).order_by(t.c.pk))
_BY_ID = (t.c.tenant_pk == bindparam("tenant_pk")) & (t.c.id == bindparam("id"))
_GET = _select().where(_BY_ID)
_LOCK = _locking(_select().where(_BY_ID))

class SqlSessionRepository(SessionChanges):
    def __init__(self, ex: Executor) -> None:
        self._ex = ex

    async def get(self, tenant_pk: int, id: str) -> Session | None:
        row = (await self._ex.execute(_GET, {"tenant_pk": tenant_pk, "id": id})).first()
        return None if row is None else _session(row)

    async def get_by_pk(self, pk: int) -> Session | None:
        row = (await self._ex.execute(_select().where(t.c.pk == pk))).first()
        return None if row is None else _session(row)

    async def lock(self, tenant_pk: int, id: str) -> Session | None:
        row = (await self._ex.execute(_LOCK, {"tenant_pk": tenant_pk, "id": id})).first()
        return None if row is None else _session(row)

    async def lock_live_of_subject(
        self, tenant_pk: int, subject_pk: int, scope: str | None, any_scope: bool
    ) -> list[Session]:
        params = {"tenant_pk": tenant_pk, "subject_pk": subject_pk, "scope": scope}
        stmt = _LOCK_LIVE_ANY_SCOPE if any_scope else _LOCK_LIVE_IN_SCOPE
        return [_session(r) for r in await self._ex.execute(stmt, params)]

    async def lock_all_of_subject(self, tenant_pk: int, subject_pk: int) -> builtins.list[Session]:
        params = {"tenant_pk": tenant_pk, "subject_pk": subject_pk}
        return [_session(r) for r in await self._ex.execute(_LOCK_ALL_OF_SUBJECT, params)]

    async def list(
        self, tenant_pk: int, flt: SessionFilter, after: str | None, limit: int
    ) -> builtins.list[Session]:
        stmt = _select().where(t.c.tenant_pk == tenant_pk, *_filters(flt))
        if after is not None:
            stmt = stmt.where(t.c.pk < int(after))
        rows = await self._ex.execute(stmt.order_by(t.c.pk.desc()).limit(limit))
        return [_session(r) for r in rows]

    async def usage(
        self, tenant_pk: int, day_from: int, day_to: int, subject_kind: str | None, now: Micros
    ) -> builtins.list[UsageRow]:
        lo, hi = day_from * DAY, (day_to + 1) * DAY
        base = [t.c.tenant_pk == tenant_pk]
        if subject_kind is not None:
            base.append(subj.c.kind == subject_kind)
        days: dict[int, builtins.list[int]] = {}
        for row in await self._ex.execute(_opened_per_day(base, lo, hi)):
            days.setdefault(int(row.day), [0, 0, 0])[0] = int(row.n)
        for row in await self._ex.execute(_ended_per_day(base, lo, hi, now)):
            entry = days.setdefault(int(row.day), [0, 0, 0])
            entry[1], entry[2] = int(row.n), int(row.m or 0)
        return [UsageRow(d, *days[d]) for d in sorted(days)]

    async def ended_between(
        self,
        tenant_pk: int,
        lo: Micros,
        hi: Micros,
        subject_kind: str | None,
        now: Micros,
        after: tuple[Micros, int] | None,
        limit: int,
    ) -> builtins.list[Session]:
        """Sessions whose end (close, expiry or delete; a due expiry counts) is in [lo, hi),
        ordered by (end, pk); ``after`` is the last (end, pk) of the previous page."""
        end = _end_expr(now).label("ended_at")
        # A session ends after it opens, so ``opened_at < hi`` lets the opened index help.
        where = [t.c.tenant_pk == tenant_pk, t.c.opened_at < hi, end >= lo, end < hi]
        if subject_kind is not None:
            where.append(subj.c.kind == subject_kind)
        if after is not None:
            where.append((end > after[0]) | ((end == after[0]) & (t.c.pk > after[1])))
        stmt = _select().where(*where).order_by(end, t.c.pk).limit(limit)
        return [_session(r) for r in await self._ex.execute(stmt)]

    async def purge_ended_before(self, tenant_pk: int, before: Micros, limit: int) -> int:
        """Retention: remove one batch of ended sessions (their events and keys cascade)."""
        batch = (
            select(t.c.pk)
            .where(
                (t.c.tenant_pk == tenant_pk)
                & (t.c.status != Status.ACTIVE.value)
                & (t.c.closed_at < before)
            )
            .limit(limit)
            .scalar_subquery()
        )
        result = await self._ex.execute(delete(t).where(t.c.pk.in_(batch)))
        return int(getattr(result, "rowcount", 0) or 0)

    async def subject_totals(
        self, tenant_pk: int, subject_pks: builtins.list[int], dialect: str | None = None
    ) -> dict[int, SubjectTotals]:
        """Per subject: sessions, events and the latest activity, deleted sessions excluded."""
        if not subject_pks:
            return {}
        stmt = (
            select(
                t.c.subject_pk,
                func.count().label("n"),
                func.sum(t.c.last_seq).label("events"),
                func.max(t.c.last_activity_at).label("seen"),
            )
            .where(
                (t.c.tenant_pk == tenant_pk)
                & t.c.subject_pk.in_(subject_pks)
                & (t.c.status != Status.DELETED.value)
            )
            .group_by(t.c.subject_pk)
        )
        if dialect is not None:
            stmt = stmt.where(t.c.dialect == dialect)
        return {
            int(r.subject_pk): SubjectTotals(int(r.n), int(r.events or 0), r.seen)
            for r in await self._ex.execute(stmt)
        }

    async def lock_owner(self, tenant_pk: int, owner: str) -> None:
        """Serialise opens per owner, in the transaction, so a limit checked by the open's own
        statement holds (SQLite already serialises writers with BEGIN IMMEDIATE)."""
        if self._ex.dialect == "postgresql":
            conn = await self._ex.driver_in_transaction()
            with asyncpg_errors(conn):
                await conn.execute(_OWNER_LOCK_SQL, f"sessions-owner:{tenant_pk}:{owner}")

    async def count_by_status(self, tenant_pk: int | None) -> dict[str, int]:
        stmt = select(t.c.status, func.count().label("n")).group_by(t.c.status)
        if tenant_pk is not None:
            stmt = stmt.where(t.c.tenant_pk == tenant_pk)
        return {str(row.status): int(row.n) for row in await self._ex.execute(stmt)}


def _opened_per_day(base: list[ColumnElement[bool]], lo: Micros, hi: Micros) -> Select[Any]:
    # Grouping by the output name: PostgreSQL treats each bound DAY as a different expression.
    day = (t.c.opened_at // DAY).label("day")
    stmt = select(day, func.count().label("n")).select_from(_JOINED)
    stmt = stmt.where(*base, t.c.opened_at >= lo, t.c.opened_at < hi)
    return stmt.group_by(literal_column("day"))


def _ended_per_day(
    base: list[ColumnElement[bool]], lo: Micros, hi: Micros, now: Micros
) -> Select[Any]:
    ended = select(t.c.opened_at, t.c.metered, _end_expr(now).label("ended_at"))
    inner = ended.select_from(_JOINED).where(*base).subquery()
    billed = billed_minutes(inner.c.opened_at, inner.c.ended_at, inner.c.metered)
    day = (inner.c.ended_at // DAY).label("day")
    stmt = select(day, func.count().label("n"), func.sum(billed).label("m"))
    stmt = stmt.where(inner.c.ended_at >= lo, inner.c.ended_at < hi)
    return stmt.group_by(literal_column("day"))


def _due(now: Micros) -> ColumnElement[bool]:
    return due(t.c, now)


def _end_expr(now: Micros) -> ColumnElement[Any]:
    return func.coalesce(t.c.closed_at, case((_due(now), t.c.expires_at)))


def _filters(flt: SessionFilter) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if flt.status is not None:
        out.append(_status_is(flt.status, flt.now))
    else:  # deleted sessions are gone unless asked for by name
        out.append(t.c.status != Status.DELETED.value)
    if flt.subject_kind is not None:
        out.append(subj.c.kind == flt.subject_kind)
    if flt.subject_id is not None:
        out.append(subj.c.external_id == flt.subject_id)
    if flt.scope is not None:
        out.append(t.c.scope == flt.scope)
    if flt.opened_from is not None:
        out.append(t.c.opened_at >= flt.opened_from)
    if flt.opened_to is not None:
        out.append(t.c.opened_at < flt.opened_to)
    if flt.dialect is not None:
        out.append(t.c.dialect == flt.dialect)
    return out


def _status_is(status: Status, now: Micros) -> ColumnElement[bool]:
    """Filter on the effective status (rule 4): a due active session already counts as expired."""
    if status is Status.ACTIVE:
        live = t.c.expires_at.is_(None) | (t.c.expires_at > now)
        return and_(t.c.status == Status.ACTIVE.value, live)
    if status is Status.EXPIRED:
        return (t.c.status == Status.EXPIRED.value) | _due(now)
    return t.c.status == status.value
