"""Several workers: request metrics add up across processes; database reads are cached."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from sessionary.observability.metrics import Metrics
from sessionary.observability.multiproc import MULTIPROC_ENV, multiprocess_metrics
from sessionary.observability.stats import Cached, Snapshot

SNAPSHOT = Snapshot(
    sessions={"active": 1, "closed": 0, "expired": 0, "deleted": 0},
    sweeper_lag_s=0.0,
    webhook_backlog={"pending": 0, "delivering": 0},
    webhook_oldest_s=0.0,
)

WORKER = """
from sessionary.observability.metrics import Metrics
from sessionary.observability.stats import Cached

async def unused():
    raise AssertionError

metrics = Metrics(Cached(unused, 5.0))
metrics.observe("GET", "/healthz", 200, 0.01)
metrics.observe("POST", "/v1/sessions", 201, 0.02)
"""


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


async def fixed() -> Snapshot:
    return SNAPSHOT


def test_with_a_multiprocess_directory_any_worker_reports_every_workers_requests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {**os.environ, MULTIPROC_ENV: str(tmp_path)}
    for _ in range(2):
        subprocess.run([sys.executable, "-c", WORKER], env=env, check=True, timeout=60)
    monkeypatch.setenv(MULTIPROC_ENV, str(tmp_path))
    body, _ = asyncio.run(Metrics(Cached(fixed, 0)).render(None))
    found = samples(body.decode())
    healthz = frozenset({"method": "GET", "route": "/healthz", "status": "200"}.items())
    assert found[("sessionary_http_requests_total", healthz)] == 2
    opened = frozenset({"method": "POST", "route": "/v1/sessions"}.items())
    assert found[("sessionary_http_request_duration_seconds_count", opened)] == 2
    assert found[("sessionary_sessions", frozenset({"status": "active"}.items()))] == 1
    assert all(name.startswith(("sessionary_", "python_gc_")) for name, _ in found)


@pytest.fixture
def unset(monkeypatch: pytest.MonkeyPatch) -> None:
    """No directory configured; whatever the code under test sets is undone afterwards."""
    monkeypatch.setenv(MULTIPROC_ENV, "recorded-so-that-it-is-restored")
    monkeypatch.delenv(MULTIPROC_ENV)


@pytest.mark.usefixtures("unset")
def test_one_worker_needs_no_multiprocess_directory() -> None:
    with multiprocess_metrics(1) as path:
        assert path is None
        assert MULTIPROC_ENV not in os.environ


@pytest.mark.usefixtures("unset")
def test_several_workers_share_a_fresh_directory_removed_when_serving_ends() -> None:
    with multiprocess_metrics(2) as path:
        assert path is not None and os.environ[MULTIPROC_ENV] == path
        assert list(Path(path).iterdir()) == []
    assert not Path(path).exists()
    assert MULTIPROC_ENV not in os.environ


def test_an_operators_directory_loses_only_the_stale_metric_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "counter_123.db").write_bytes(b"old")
    (tmp_path / "notes.txt").write_text("keep")
    monkeypatch.setenv(MULTIPROC_ENV, str(tmp_path))
    with multiprocess_metrics(4) as path:
        assert path == str(tmp_path)
        assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
    assert tmp_path.exists()


async def test_scrapes_within_the_cache_time_share_one_database_read() -> None:
    reads = 0
    now = [100.0]

    async def read() -> Snapshot:
        nonlocal reads
        reads += 1
        await asyncio.sleep(0)
        return SNAPSHOT

    cache = Cached(read, 5.0, monotonic=lambda: now[0])
    results = await asyncio.gather(*(cache.get() for _ in range(10)))
    assert reads == 1 and all(r is SNAPSHOT for r in results)
    now[0] += 4.9
    await cache.get()
    assert reads == 1
    now[0] += 0.2
    await cache.get()
    assert reads == 2


async def test_a_failed_database_read_reports_the_database_down_and_no_stale_gauges() -> None:
    calls = 0

    async def flaky() -> Snapshot:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise OSError("connection refused")
        return SNAPSHOT

    metrics = Metrics(Cached(flaky, 0))
    up = samples((await metrics.render(None))[0].decode())
    assert up[("sessionary_database_up", frozenset())] == 1
    down = samples((await metrics.render(None))[0].decode())
    assert down[("sessionary_database_up", frozenset())] == 0
    assert not any(name == "sessionary_sessions" for name, _ in down)
