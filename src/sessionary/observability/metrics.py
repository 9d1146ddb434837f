"""Prometheus metrics. Every name starts with ``sessionary_``, but for the standard
``process_*`` and ``python_gc_*`` (runtime.py).

Request metrics live in this process; with several granian workers they are shared through
prometheus_client's multiprocess mode (``sessionary serve`` points ``PROMETHEUS_MULTIPROC_DIR``
at a fresh directory before the workers start), so any worker's ``/metrics`` answers for all.
Database-derived gauges are read at scrape time and are the same from any worker."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine, Iterable, Iterator
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
)
from prometheus_client import generate_latest as render_text
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.gc_collector import GCCollector
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector

from ..domain.model import SECOND
from ..domain.ports import PoolUse
from ..services.webhook_delivery import OUTCOMES
from .multiproc import MULTIPROC_ENV
from .runtime import WorkerProcesses, build_info, gc_counts, worker_pids
from .stats import BACKLOG_STATUSES, SESSION_STATUSES, Snapshot, StatsSource

KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
LOOP_LAG_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
UNMATCHED = "unmatched"  # requests no route answered (404/405): one label, never the raw path


def _gauge(name: str, doc: str, labels: Iterable[str] = ()) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, labels=list(labels))


class _ScrapeTime(Collector):
    """Gauges computed when scraped: from the last database snapshot and this process's sweeper."""

    def __init__(self, build: Metric) -> None:
        self.build = build
        self.snapshot: Snapshot | None = None
        self.sweeper_last_run: int | None = None

    def describe(self) -> list[Metric]:
        return []  # names are only known per scrape; nothing to check for duplicates

    def collect(self) -> Iterator[Metric]:
        yield self.build
        up = _gauge("sessionary_database_up", "1 if the last metrics read of the database worked")
        up.add_metric([], 0.0 if self.snapshot is None else 1.0)
        yield up
        if self.snapshot is not None:
            yield from _database_gauges(self.snapshot)
        if self.sweeper_last_run is not None:
            last = _gauge(
                "sessionary_sweeper_last_run_timestamp_seconds",
                "When this process's expiry sweeper last finished a pass (Unix time)",
            )
            last.add_metric([], self.sweeper_last_run / SECOND)
            yield last


def _database_gauges(snap: Snapshot) -> Iterator[Metric]:
    sessions = _gauge("sessionary_sessions", "Sessions by stored status", ["status"])
    for status in SESSION_STATUSES:
        sessions.add_metric([status], snap.sessions[status])
    yield sessions
    lag = _gauge(
        "sessionary_sweeper_lag_seconds",
        "How far durable expiry is behind: age of the oldest overdue session still active",
    )
    lag.add_metric([], snap.sweeper_lag_s)
    yield lag
    backlog = _gauge(
        "sessionary_webhook_backlog", "Webhook deliveries not yet delivered", ["status"]
    )
    for status in BACKLOG_STATUSES:
        backlog.add_metric([status], snap.webhook_backlog.get(status, 0))
    yield backlog
    oldest = _gauge(
        "sessionary_webhook_oldest_pending_seconds",
        "Age of the oldest webhook delivery not yet delivered (0 when none)",
    )
    oldest.add_metric([], snap.webhook_oldest_s)
    yield oldest


class _LiveWorkers(Collector):
    """The shared files of every worker, without the per-worker gauges (``pid`` label) of
    workers that have exited: a respawned worker's dead predecessor is not still using its
    pool."""

    def __init__(self, directory: str) -> None:
        self._directory = directory
        self._files = MultiProcessCollector(None, path=directory)  # type: ignore[no-untyped-call]

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        live = {str(pid) for pid in worker_pids(self._directory)}
        for family in self._files.collect():  # type: ignore[no-untyped-call]
            family.samples = [s for s in family.samples if s.labels.get("pid", "") in live | {""}]
            yield family


def _no_pool() -> PoolUse | None:
    return None


class Metrics:
    """One per app: its own registry, so no process-global collector leaks into /metrics."""

    def __init__(
        self,
        stats: StatsSource,
        backend: str = "unknown",
        pool: Callable[[], PoolUse | None] = _no_pool,
        commit: str | None = None,
    ) -> None:
        self._stats = stats
        self._pool = pool
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "sessionary_http_requests",
            "HTTP requests by method, route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "sessionary_http_request_duration_seconds",
            "HTTP request duration, first byte in to last byte out, by method and route template",
            ["method", "route"],
            registry=self.registry,
        )
        self.loop_lag = Histogram(
            "sessionary_event_loop_lag_seconds",
            "How late the event loop ran a periodic timer: how long it was blocked",
            buckets=LOOP_LAG_BUCKETS,
            registry=self.registry,
        )
        self.webhook_attempts = Counter(
            "sessionary_webhook_attempts",
            "Webhook delivery attempts by outcome: delivered, retry (failed, tried again later), "
            "gave_up (failed the last allowed attempt), blocked (target refused by "
            "WEBHOOK_ALLOWED_NETWORKS; retried too), dropped (record removed by retention)",
            ["outcome"],
            registry=self.registry,
        )
        for outcome in OUTCOMES:  # exported at 0 from the start, so rate() and alerts see them
            self.webhook_attempts.labels(outcome)
        self.streams = Gauge(
            "sessionary_event_streams_open",
            "Server-sent event streams (GET /v1/events) open now",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self._pool_gauges = _pool_gauges(self.registry)
        self._scrape = _ScrapeTime(build_info(backend, commit))
        self.registry.register(self._scrape)
        self._directory = os.environ.get(MULTIPROC_ENV)
        if self._directory:
            gc_counts()  # shared counters, fed by this worker's collections
        else:
            ProcessCollector(registry=self.registry)
            GCCollector(registry=self.registry)

    def observe(self, method: str, route: str | None, status: int, seconds: float) -> None:
        method = method if method in KNOWN_METHODS else "OTHER"
        route = route or UNMATCHED
        self.requests.labels(method, route, str(status)).inc()
        self.duration.labels(method, route).observe(seconds)

    def webhook_attempt(self, outcome: str) -> None:
        self.webhook_attempts.labels(outcome).inc()

    def sample(self) -> None:
        """This worker's pool use and GC counts into the (shared) metrics."""
        use = self._pool()
        if use is not None:
            size, checked_out, overflow, waiting = self._pool_gauges
            size.set(use.size)
            checked_out.set(use.checked_out)
            overflow.set(use.overflow)
            waiting.set(use.waiting)
        if self._directory:
            gc_counts().flush()

    def sampler(self, interval_s: float = 1.0) -> Coroutine[Any, Any, None] | None:
        """With several workers, a task keeping this worker's share fresh for the scrapes
        another worker answers; None with one (its scrape samples it)."""
        return self._sample_forever(interval_s) if self._directory else None

    async def _sample_forever(self, interval_s: float) -> None:
        while True:
            self.sample()
            await asyncio.sleep(interval_s)

    async def render(self, sweeper_last_run: int | None) -> tuple[bytes, str]:
        self._scrape.snapshot = await self._stats.get()
        self._scrape.sweeper_last_run = sweeper_last_run
        self.sample()
        directory = os.environ.get(MULTIPROC_ENV)
        if not directory:
            return render_text(self.registry), CONTENT_TYPE_LATEST
        shared = CollectorRegistry()
        shared.register(_LiveWorkers(directory))
        shared.register(WorkerProcesses(directory))
        shared.register(self._scrape)
        return render_text(shared), CONTENT_TYPE_LATEST


def _pool_gauges(registry: CollectorRegistry) -> tuple[Gauge, Gauge, Gauge, Gauge]:
    """Per worker (a ``pid`` label with several): each has its own pool."""

    def gauge(name: str, doc: str) -> Gauge:
        return Gauge(name, doc, registry=registry, multiprocess_mode="liveall")

    return (
        gauge("sessionary_db_pool_size", "Database connections this worker's pool keeps"),
        gauge("sessionary_db_pool_checked_out", "Database connections in use by this worker"),
        gauge("sessionary_db_pool_overflow", "Connections in use beyond the pool size"),
        gauge(
            "sessionary_db_pool_waiting",
            "Units of work waiting for a connection (SQLite: the writer queue)",
        ),
    )
