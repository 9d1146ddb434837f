"""Database-derived gauges, read at scrape time and cached so scrapes cannot hammer the database.

Every query here is either index-backed or bounded by a small set of rows: the overdue check
walks the partial index ``ix_sessions_due`` (active rows only), the webhook backlog the
``(status, next_attempt_at)`` index; only the per-status session count reads every row, and the
cache bounds how often that happens (once per ``SESSIONARY_METRICS_CACHE_S`` per process)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, literal_column, select

from ..domain.model import SECOND, Micros
from ..domain.session import Status
from ..storage.database import Database
from ..storage.tables import sessions, webhook_deliveries

SESSION_STATUSES = tuple(s.value for s in Status)
BACKLOG_STATUSES = ("pending", "delivering")

log = logging.getLogger("sessionary.metrics")

# Literal, not bound, statuses: PostgreSQL only picks a partial index when it can prove the
# query's predicate implies the index's, which a generic plan with a parameter cannot.
_ACTIVE = sessions.c.status == literal_column("'active'")
_BACKLOG = webhook_deliveries.c.status.in_([literal_column(f"'{s}'") for s in BACKLOG_STATUSES])


@dataclass(frozen=True, slots=True)
class Snapshot:
    sessions: dict[str, int]  # every status, 0 when none
    sweeper_lag_s: float  # now - the oldest expires_at still marked active; 0 when none is due
    webhook_backlog: dict[str, int]  # pending and delivering
    webhook_oldest_s: float  # age of the oldest undelivered delivery; 0 when none


async def read_snapshot(database: Database, now: Micros) -> Snapshot:
    async with database.unit_of_work(write=False) as uow:
        # The unit of work exposes repositories, not its connection; these read-only queries
        # borrow the one every repository holds rather than adding a repository for metrics.
        ex: Any = uow.sessions._ex
        by_status = await uow.sessions.count_by_status(None)
        due = select(func.min(sessions.c.expires_at)).where(
            _ACTIVE, sessions.c.expires_at <= now
        )
        oldest_due = (await ex.execute(due)).scalar()
        backlog = select(
            webhook_deliveries.c.status,
            func.count().label("n"),
            func.min(webhook_deliveries.c.created_at).label("oldest"),
        ).where(_BACKLOG)
        rows = list(await ex.execute(backlog.group_by(webhook_deliveries.c.status)))
        await uow.commit()
    oldest = min((int(r.oldest) for r in rows), default=None)
    return Snapshot(
        sessions={s: int(by_status.get(s, 0)) for s in SESSION_STATUSES},
        sweeper_lag_s=_age(oldest_due, now),
        webhook_backlog={s: 0 for s in BACKLOG_STATUSES} | {str(r.status): int(r.n) for r in rows},
        webhook_oldest_s=_age(oldest, now),
    )


def _age(since: Micros | None, now: Micros) -> float:
    return 0.0 if since is None else max(0.0, (now - int(since)) / SECOND)


class CachedStats:
    """At most one read per ``ttl_s``; concurrent scrapes share it. A failed read is cached
    too (as ``None``), so a database that is down is not retried by every scrape."""

    def __init__(
        self,
        read: Callable[[], Awaitable[Snapshot]],
        ttl_s: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._read = read
        self._ttl_s = ttl_s
        self._monotonic = monotonic
        self._lock = asyncio.Lock()
        self._at = float("-inf")
        self._value: Snapshot | None = None

    async def get(self) -> Snapshot | None:
        async with self._lock:
            if self._monotonic() - self._at >= self._ttl_s:
                self._value = await self._fresh()
                self._at = self._monotonic()
            return self._value

    async def _fresh(self) -> Snapshot | None:
        try:
            return await self._read()
        except Exception:
            log.warning("metrics: reading the database failed", exc_info=True)
            return None
