"""Prometheus metrics. Every exposed name starts with ``sessionary_``.

Request metrics live in this process; with several granian workers they are shared through
prometheus_client's multiprocess mode (``sessionary serve`` points ``PROMETHEUS_MULTIPROC_DIR``
at a fresh directory before the workers start), so any worker's ``/metrics`` answers for all.
Database-derived gauges are read at scrape time and are the same from any worker."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client import generate_latest as render_text
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from ..domain.model import SECOND
from .multiproc import MULTIPROC_ENV
from .stats import BACKLOG_STATUSES, SESSION_STATUSES, Snapshot, StatsSource

KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
LOOP_LAG_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
UNMATCHED = "unmatched"  # requests no route answered (404/405): one label, never the raw path


def _gauge(name: str, doc: str, labels: Iterable[str] = ()) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, labels=list(labels))


class _ScrapeTime(Collector):
    """Gauges computed when scraped: from the last database snapshot and this process's sweeper."""

    def __init__(self) -> None:
        self.snapshot: Snapshot | None = None
        self.sweeper_last_run: int | None = None

    def describe(self) -> list[Metric]:
        return []  # names are only known per scrape; nothing to check for duplicates

    def collect(self) -> Iterator[Metric]:
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


class Metrics:
    """One per app: its own registry, so no process-global collector leaks into /metrics."""

    def __init__(self, stats: StatsSource) -> None:
        self._stats = stats
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
        self._scrape = _ScrapeTime()
        self.registry.register(self._scrape)

    def observe(self, method: str, route: str | None, status: int, seconds: float) -> None:
        method = method if method in KNOWN_METHODS else "OTHER"
        route = route or UNMATCHED
        self.requests.labels(method, route, str(status)).inc()
        self.duration.labels(method, route).observe(seconds)

    async def render(self, sweeper_last_run: int | None) -> tuple[bytes, str]:
        self._scrape.snapshot = await self._stats.get()
        self._scrape.sweeper_last_run = sweeper_last_run
        directory = os.environ.get(MULTIPROC_ENV)
        if not directory:
            return render_text(self.registry), CONTENT_TYPE_LATEST
        shared = CollectorRegistry()
        MultiProcessCollector(shared, path=directory)  # type: ignore[no-untyped-call]
        shared.register(self._scrape)
        return render_text(shared), CONTENT_TYPE_LATEST
