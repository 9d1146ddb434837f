"""The console's views, read through the declared read model (``domain.read_models``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Generic, TypeVar

from ..domain.model import Micros, Tenant
from ..domain.ports import Clock
from ..domain.read_models import DAY, KeyRow, ReadModel, SessionQuery, SessionRow, TimelineEntry

CHART_DAYS = 30
T = TypeVar("T")


@dataclass(slots=True, frozen=True)
class TenantOverview:
    tenant: Tenant
    active: int
    opened_today: int
    ended_today: int
    billed_this_month: int


@dataclass(slots=True, frozen=True)
class Overview:
    today: date
    tenants: list[TenantOverview]
    billed_per_day: dict[int, list[tuple[date, int]]]  # tenant pk -> the last CHART_DAYS days
    by_status: dict[int, dict[str, int]]  # tenant pk -> effective status -> sessions


@dataclass(slots=True, frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: int | None


def day_start(d: date) -> Micros:
    return int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp()) * 1_000_000


class ConsoleReads:
    """The console's pages, each read in one short read transaction of the read model."""

    def __init__(self, reads: ReadModel, clock: Clock) -> None:
        self._reads = reads
        self._clock = clock

    async def overview(self, tenants: list[Tenant]) -> Overview:
        now = self._clock.now()
        today = datetime.fromtimestamp(now / 1_000_000, UTC).date()
        first_day = min(today.replace(day=1), today - timedelta(days=CHART_DAYS - 1))
        async with self._reads.console() as q:
            counts = await q.tenant_counts([t.pk for t in tenants], now, day_start(today))
            usage = await q.usage_by_day(day_start(first_day), now)
            statuses = await q.status_counts(now)
        days = [today - timedelta(days=i) for i in range(CHART_DAYS - 1, -1, -1)]
        per_day: dict[tuple[int, int], tuple[int, int]] = {
            (u.tenant_pk, u.day): (u.ended, u.billed_minutes) for u in usage
        }
        today_n, month_n = day_start(today) // DAY, day_start(today.replace(day=1)) // DAY
        rows, charts, by_status = [], {}, {}
        for tenant in tenants:
            mine = {day: v for (pk, day), v in per_day.items() if pk == tenant.pk}
            found = counts.get(tenant.pk)
            rows.append(
                TenantOverview(
                    tenant=tenant,
                    active=found.active if found else 0,
                    opened_today=found.opened_today if found else 0,
                    ended_today=mine.get(today_n, (0, 0))[0],
                    billed_this_month=sum(m for day, (_, m) in mine.items() if day >= month_n),
                )
            )
            charts[tenant.pk] = [(d, mine.get(day_start(d) // DAY, (0, 0))[1]) for d in days]
            by_status[tenant.pk] = {s: n for (pk, s), n in statuses.items() if pk == tenant.pk}
        return Overview(today, rows, charts, by_status)

    async def sessions(self, query: SessionQuery, limit: int) -> Page[SessionRow]:
        async with self._reads.console() as q:
            rows = await q.sessions(query, limit + 1)
        items = rows[:limit]
        return Page(items, items[-1].pk if len(rows) > limit and items else None)

    async def keys(self, tenant_pk: int | None, before: int | None, limit: int) -> Page[KeyRow]:
        async with self._reads.console() as q:
            rows = await q.keys(tenant_pk, before, limit + 1)
        items = rows[:limit]
        return Page(items, items[-1].pk if len(rows) > limit and items else None)

    async def timeline(
        self,
        session: tuple[int, int, int],
        kind: str,
        after: int,
        limit: int,
    ) -> Page[TimelineEntry]:
        """One kind of entry (lifecycle, event, work) of a session, ``after`` its cursor."""
        tenant_pk, subject_pk, session_pk = session
        async with self._reads.console() as q:
            if kind == "lifecycle":
                rows = await q.lifecycle(session_pk, after, limit + 1)
            elif kind == "event":
                rows = await q.events(session_pk, after, limit + 1)
            else:
                rows = await q.work(tenant_pk, subject_pk, session_pk, after, limit + 1)
        items = rows[:limit]
        return Page(items, items[-1].key if len(rows) > limit and items else None)
