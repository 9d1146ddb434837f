"""Usage reports: billed minutes and counts per UTC day (design rule 5).

A session's minutes count on the UTC day it ended (closed, expired or deleted), rounded up per
session: ceil(active seconds / 60). Sessions still active are reported apart, billed to now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ..domain.errors import InvalidInput
from ..domain.ports import Clock, UnitOfWorkFactory, UsageRow

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
        if day_to < day_from:
            raise InvalidInput("'to' is before 'from'", field="to")
        if (day_to - day_from).days >= MAX_DAYS:
            raise InvalidInput(f"a report spans at most {MAX_DAYS} days", field="to")
        now = self._clock.now()
        async with self._uow(write=False) as uow:
            rows = await uow.sessions.usage(
                tenant_pk, day_number(day_from), day_number(day_to), subject_kind, now
            )
            await uow.commit()
        return UsageReport(day_from, day_to, rows)
