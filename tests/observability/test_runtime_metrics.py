"""Process, GC and build metrics, database pool use, webhook outcomes and open event streams."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncGenerator
from pathlib import Path

import httpx
import pytest
from prometheus_client import CollectorRegistry, Gauge

from sessionary.bootstrap import Container
from sessionary.domain.webhooks import Delivery, DeliveryStatus
from sessionary.http.native.stream import counted
from sessionary.observability.metrics import Metrics
from sessionary.observability.multiproc import MULTIPROC_ENV
from sessionary.observability.runtime import git_commit
from sessionary.observability.stats import Cached, Snapshot
from sessionary.services.webhook_delivery import REMOVED, outcome
from sessionary.services.webhook_transport import BLOCKED

from .helpers import scrape, value
from .test_workers import fixed, samples

ROOT = Path(__file__).resolve().parents[2]


async def test_process_gc_and_build_metrics_are_exported(
    client: httpx.AsyncClient, container: Container
) -> None:
    found = await scrape(client)
    names = {s.name for s in found}
    assert {"process_resident_memory_bytes", "process_cpu_seconds_total"} <= names
    assert {"python_gc_collections_total", "python_gc_objects_collected_total"} <= names
    build = [s for s in found if s.name == "sessionary_build_info"]
    assert len(build) == 1 and build[0].value == 1
    backend = "sqlite" if container.settings.is_sqlite else "postgresql"
    assert build[0].labels["backend"] == backend
    assert build[0].labels["version"] == "0.1.0"
    assert build[0].labels["python"].split()[1] == ".".join(map(str, sys.version_info[:3]))


async def test_pool_gauges_show_this_workers_pool_at_rest(
    client: httpx.AsyncClient, container: Container
) -> None:
    found = await scrape(client)
    expected_size = 1 if container.settings.is_sqlite else container.settings.pg_pool_size
    assert value(found, "sessionary_db_pool_size") == expected_size
    assert value(found, "sessionary_db_pool_checked_out") == 0
    assert value(found, "sessionary_db_pool_overflow") == 0
    assert value(found, "sessionary_db_pool_waiting") == 0


async def test_a_unit_of_work_in_progress_shows_as_checked_out(
    client: httpx.AsyncClient, container: Container
) -> None:
    async with container.database.unit_of_work():
        assert container.probe.pool_use().checked_out == 1
    assert container.probe.pool_use().checked_out == 0


def delivery(status: DeliveryStatus, attempts: int, error: str | None = None) -> Delivery:
    return Delivery(1, 1, 1, 1, 1, status, attempts, 0, 0, last_error=error)


@pytest.mark.parametrize(
    ("left", "expected"),
    [
        (delivery(DeliveryStatus.DELIVERED, 1), "delivered"),
        (delivery(DeliveryStatus.PENDING, 1, "HTTP 500"), "retry"),
        (delivery(DeliveryStatus.DEAD, 8, "timed out"), "gave_up"),
        (delivery(DeliveryStatus.PENDING, 2, BLOCKED), "blocked"),
        (delivery(DeliveryStatus.DEAD, 0, REMOVED), "dropped"),
    ],
)
def test_each_attempt_is_classified_by_the_delivery_it_left(left: Delivery, expected: str) -> None:
    assert outcome(left) == expected


async def test_webhook_attempts_are_counted_by_outcome(
    client: httpx.AsyncClient, container: Container
) -> None:
    container.dispatcher.on_attempt("delivered")
    container.dispatcher.on_attempt("gave_up")
    container.dispatcher.on_attempt("gave_up")
    found = await scrape(client)
    assert value(found, "sessionary_webhook_attempts_total", outcome="delivered") == 1
    assert value(found, "sessionary_webhook_attempts_total", outcome="gave_up") == 2


async def test_an_event_stream_is_counted_open_until_it_ends() -> None:
    gauge = Gauge("streams", "open", registry=CollectorRegistry())

    async def messages() -> AsyncGenerator[bytes, None]:
        while True:
            yield b": keepalive\n\n"

    stream = counted(messages(), gauge)
    assert await anext(stream) == b": keepalive\n\n"
    assert gauge._value.get() == 1
    await stream.aclose()  # what the server does when the client goes away
    assert gauge._value.get() == 0


def test_the_git_commit_is_read_from_the_checkout_without_running_git() -> None:
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert git_commit(ROOT / "src" / "sessionary") == head
    assert git_commit(Path("/")) is None


WORKER = """
import gc, sys
from sessionary.domain.ports import PoolUse
from sessionary.observability.metrics import Metrics
from sessionary.observability.stats import Cached

async def unused():
    raise AssertionError

metrics = Metrics(Cached(unused, 5.0), pool=lambda: PoolUse(4, int(sys.argv[1]), 0, 0))
gc.collect()
metrics.sample()
print("ready", flush=True)
sys.stdin.read()  # stay alive until the test is done
"""


def test_with_several_workers_each_live_workers_process_and_pool_are_labelled_by_pid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {**os.environ, MULTIPROC_ENV: str(tmp_path)}
    run = [sys.executable, "-c", WORKER]
    gone = subprocess.run([*run, "3"], env=env, input="", capture_output=True, check=True)
    assert gone.stdout.strip() == b"ready"
    live = subprocess.Popen([*run, "1"], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert live.stdout is not None and live.stdout.readline().strip() == b"ready"
        monkeypatch.setenv(MULTIPROC_ENV, str(tmp_path))
        body, _ = asyncio.run(Metrics(fixed_stats()).render(None))
    finally:
        live.communicate(b"", timeout=30)
    found = samples(body.decode())
    pid = frozenset({"pid": str(live.pid)}.items())
    assert found[("sessionary_db_pool_checked_out", pid)] == 1
    assert found[("process_resident_memory_bytes", pid)] > 0
    assert not [k for k in found if k[0] == "sessionary_db_pool_checked_out" and k[1] != pid]
    collections = found[("python_gc_collections_total", frozenset({"generation": "2"}.items()))]
    assert collections >= 2  # both workers' gc.collect(), summed


def fixed_stats() -> Cached[Snapshot]:
    return Cached(fixed, 0)


def test_the_serve_command_does_not_import_prometheus_client_before_the_workers_start() -> None:
    # prometheus_client picks in-memory or shared-file values when first imported; imported
    # by serve's own process, forked workers would never share their metrics.
    check = "import sys, sessionary.cli.serve; print('prometheus_client' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    found = subprocess.run([sys.executable, "-c", check], env=env, capture_output=True, text=True)
    assert found.stdout.strip() == "False", found.stderr
