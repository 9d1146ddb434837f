"""Read models: what screens and reports read, declared here (cosmic's ``views.py``).

The admin console's pages and the metrics gauges read through these ports, never through the
write repositories of a unit of work: their queries join, count and page across aggregates in
ways no use case needs, and keeping them apart lets either side change alone (design.md §3).
Storage implements them (``storage/read_model.py``); ``bootstrap.py`` builds that and hands it
to the console and the metrics through the services the container exposes."""

from __future__ import annotations

import builtins
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from .model import Micros
from .session import Status

DAY: Micros = 86_400_000_000
BACKLOG_STATUSES = ("pending", "delivering")  # webhook deliveries not yet finished


@dataclass(slots=True, frozen=True)
class SessionQuery:
    """Console filters; ``None`` means any. Statuses are effective (rule 4)."""

    now: Micros
    tenant_pk: int | None = None
    status: Status | None = None
    subject_kind: str | None = None
    subject_id: str | None = None
    scope: str | None = None
    dialect: str | None = None
    opened_from: Micros | None = None
    opened_to: Micros | None = None
    before_pk: int | None = None  # the keyset cursor: rows with a smaller pk


@dataclass(slots=True, frozen=True)
class SessionRow:
    pk: int
    tenant_pk: int
    tenant: str
    id: str
    subject_kind: str
    subject_id: str
    scope: str | None
    dialect: str
    status: str  # effective
    opened_at: Micros
    ended_at: Micros | None
    metered: bool


@dataclass(slots=True, frozen=True)
class TenantCounts:
    tenant_pk: int
    active: int = 0
    opened_today: int = 0


@dataclass(slots=True, frozen=True)
class DayUsage:
    tenant_pk: int
    day: int  # days since the epoch, UTC
    ended: int
    billed_minutes: int


@dataclass(slots=True, frozen=True)
class KeyRow:
    pk: int
    id: str
    tenant_pk: int | None
    name: str | None
    prefix: str
    kind: str
    scopes: str
    attributes: dict[str, Any]
    created_at: Micros
    expires_at: Micros | None
    revoked_at: Micros | None
    last_used_at: Micros | None


@dataclass(slots=True, frozen=True)
class TimelineEntry:
    kind: str  # "lifecycle", "event" or "work"
    key: int  # lifecycle id, event seq or work item pk: the page cursor within its kind
    at: Micros
    title: str
    detail: str


@dataclass(frozen=True, slots=True)
class LiveCounts:
    active: int
    oldest_due: Micros | None  # the oldest expires_at still marked active, if any is past
    backlog: dict[str, tuple[int, Micros]]  # status -> (count, oldest created_at)


class ConsoleQueries(Protocol):
    """The console's reads within one read transaction. Every list is keyset-paged."""

    async def sessions(self, q: SessionQuery, limit: int) -> builtins.list[SessionRow]: ...
    async def tenant_counts(
        self, tenant_pks: builtins.list[int], now: Micros, day_start: Micros
    ) -> dict[int, TenantCounts]: ...
    async def status_counts(self, now: Micros) -> dict[tuple[int, str], int]: ...
    async def usage_by_day(self, since: Micros, now: Micros) -> builtins.list[DayUsage]: ...
    async def keys(
        self, tenant_pk: int | None, before_pk: int | None, limit: int
    ) -> builtins.list[KeyRow]: ...
    async def lifecycle(
        self, session_pk: int, after_id: int, limit: int
    ) -> builtins.list[TimelineEntry]: ...
    async def events(
        self, session_pk: int, after_seq: int, limit: int
    ) -> builtins.list[TimelineEntry]: ...
    async def work(
        self, tenant_pk: int, subject_pk: int, session_pk: int, after_pk: int, limit: int
    ) -> builtins.list[TimelineEntry]: ...


class GaugeQueries(Protocol):
    """The metrics gauges' reads within one read transaction."""

    async def live(self, now: Micros) -> LiveCounts:
        """Index-backed counts: active sessions, the sweeper's lag, the webhook backlog."""

    async def sessions_by_status(self) -> dict[str, int]:
        """Stored statuses over every session row: a scan, to be read seldom."""


class ReadModel(Protocol):
    """Opens one short read transaction and hands out the queries for it."""

    def console(self) -> AbstractAsyncContextManager[ConsoleQueries]: ...
    def gauges(self) -> AbstractAsyncContextManager[GaugeQueries]: ...
