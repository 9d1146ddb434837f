"""Usage reports: billed minutes and counts per UTC day (design rule 5), and the per-session
billing records behind them.

A session's minutes count on the UTC day it ended (closed, expired or deleted), rounded up per
session: ceil(whole active seconds / 60). A session still active is in no report until it ends
(a session past its expiry has ended at its expiry instant, swept or not)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta

from ..domain.errors import InvalidInput
from ..domain.model import SECOND, Micros
from ..domain.ports import Clock, UnitOfWorkFactory, UsageRow
from ..domain.session import Session

DAY: Micros = 86_400 * SECOND
RECORDS_PAGE_MAX = 5000

_EPOCH = date(1970, 1, 1)
MAX_DAYS = 366


@dataclass(slots=True, frozen=True)
class UsageReport:
    day_from: date
    day_to: date
    rows: list[UsageRow]

    @property
    def billed_minutes(self) -> int:
        return sum(r.billed_minutes for r in self.rows)

    @property
    def opened(self) -> int:
        return sum(r.opened for r in self.rows)

    @property
    def ended(self) -> int:
        return sum(r.ended for r in self.rows)


@dataclass(slots=True, frozen=True)
class UsageRecord:
    """One ended session as billed: the rows a daily report sums."""

    session_id: str
    subject_kind: str
    subject_id: str
    scope: str | None
    dialect: str
    status: str
    close_reason: str | None
    metered: bool
    opened_at: Micros
    ended_at: Micros
    active_seconds: int
    billed_minutes: int
    cursor: tuple[Micros, int]

    @property
    def day(self) -> date:
        return day_date(self.ended_at // DAY)


def usage_record(session: Session, now: Micros) -> UsageRecord:
    ended = session.ended_at(now)
    assert ended is not None  # only ended sessions are listed
    reason = session.effective_close_reason(now)
    return UsageRecord(
        session_id=session.id,
        subject_kind=session.subject_kind,
        subject_id=session.subject_id,
        scope=session.scope,
        dialect=session.dialect,
        status=session.effective_status(now).value,
        close_reason=None if reason is None else reason.value,
        metered=session.metered,
        opened_at=session.opened_at,
        ended_at=ended,
        active_seconds=max(0, ended - session.opened_at) // SECOND,
        billed_minutes=session.billed_minutes(now),
        cursor=(ended, session.pk),
    )


def day_number(d: date) -> int:
    return (d - _EPOCH).days


def day_date(n: int) -> date:
    return _EPOCH + timedelta(days=n)


class UsageService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def report(
        self, tenant_pk: int, day_from: date, day_to: date, subject_kind: str | None = None
    ) -> UsageReport:
        check_range(day_from, day_to)
        now = self._clock.now()
        async with self._uow(write=False) as uow:
            rows = await uow.sessions.usage(
                tenant_pk, day_number(day_from), day_number(day_to), subject_kind, now
            )
            await uow.commit()
        return UsageReport(day_from, day_to, rows)

    async def records(
        self,
        tenant_pk: int,
        day_from: date,
        day_to: date,
        subject_kind: str | None = None,
        *,
        after: tuple[Micros, int] | None = None,
        limit: int = 500,
        now: Micros | None = None,
    ) -> list[UsageRecord]:
        """One page of the sessions that ended in the range, by (end, pk); pass the last
        record's ``cursor`` as ``after`` (and the same ``now``) for the next page."""
        check_range(day_from, day_to)
        if not 1 <= limit <= 2 * RECORDS_PAGE_MAX:  # a caller may ask one more to see a next page
            raise InvalidInput(f"limit is between 1 and {RECORDS_PAGE_MAX}", field="limit")
        now = self._clock.now() if now is None else now
        lo, hi = day_number(day_from) * DAY, (day_number(day_to) + 1) * DAY
        async with self._uow(write=False) as uow:
            rows = await uow.sessions.ended_between(
                tenant_pk, lo, hi, subject_kind, now, after, limit
            )
            await uow.commit()
        return [usage_record(s, now) for s in rows]

    async def all_records(
        self,
        tenant_pk: int,
        day_from: date,
        day_to: date,
        subject_kind: str | None = None,
        page: int = 1000,
    ) -> AsyncIterator[UsageRecord]:
        """Every record of the range, fetched a page (one short transaction) at a time, so an
        export of a month of a large tenant never sits in memory; one ``now`` for all pages."""
        now = self._clock.now()
        after: tuple[Micros, int] | None = None
        while True:
            batch = await self.records(
                tenant_pk, day_from, day_to, subject_kind, after=after, limit=page, now=now
            )
            for record in batch:
                yield record
            if len(batch) < page:
                return
            after = batch[-1].cursor


def check_range(day_from: date, day_to: date) -> None:
    if day_to < day_from:
        raise InvalidInput("'to' is before 'from'", field="to")
    if (day_to - day_from).days >= MAX_DAYS:
        raise InvalidInput(f"a report spans at most {MAX_DAYS} days", field="to")
