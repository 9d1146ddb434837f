"""Soak: N minutes of mixed load (/v1 and every dialect) against a real server with the sweeper,
retention and (when the build has them) webhooks running; reports throughput, p99 latency and
the server's RSS over time, and fails when RSS ends more than 10 % above its post-warm-up value.

    make soak                                   # SOAK_MINUTES=10 on SQLite
    .venv/bin/python bench/soak.py --minutes 30 --backend postgresql --workers 8

Not part of CI: tests/fault/README.md records the figures of the last run."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.fault.load import Driver, Ledger  # noqa: E402
from tests.fault.server import Server, TenantWorld, provision  # noqa: E402
from tests.pgcluster import PgCluster  # noqa: E402

from sessionary.storage.migrate import upgrade  # noqa: E402

RSS_TOLERANCE = 0.10


@dataclass
class Timings(httpx.AsyncBaseTransport):
    """Wraps the real transport and keeps (finished_at, seconds, status) per request."""

    inner: httpx.AsyncBaseTransport = field(default_factory=httpx.AsyncHTTPTransport)
    seen: list[tuple[float, float, int]] = field(default_factory=list)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        started = time.monotonic()
        response = await self.inner.handle_async_request(request)
        await response.aread()
        self.seen.append((time.monotonic(), time.monotonic() - started, response.status_code))
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


@dataclass
class Sample:
    at_s: float
    requests_per_s: float
    p99_ms: float
    errors: int
    rss_mib: float


@contextlib.contextmanager
def database(backend: str) -> Iterator[str]:
    if backend == "postgresql":
        cluster = PgCluster()
        cluster.start()
        try:
            yield cluster.create_database("soak")
        finally:
            cluster.stop()
        return
    with tempfile.TemporaryDirectory(prefix="sessionary-soak-") as tmp:
        yield f"sqlite:///{tmp}/soak.db"


class Receiver:
    """A local webhook endpoint that accepts every delivery."""

    def __init__(self) -> None:
        self.deliveries = 0
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                await reader.readexactly(length)
                self.deliveries += 1
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                await writer.drain()
        writer.close()


async def configure(base: str, world: TenantWorld, receiver: Receiver, hooks: bool) -> str:
    """Short idle timeouts for the sweeper, 1-day retention, and a webhook when there are any."""
    auth = {"Authorization": f"Bearer {world.native}"}
    async with httpx.AsyncClient(base_url=base, headers=auth) as http:
        policy = await http.put(
            "/v1/tenant/policy", json={"idle_timeout_s": 5, "retention_days": 1}
        )
        if policy.status_code >= 300:
            raise SystemExit(f"policy refused: {policy.text}")
        if not hooks:
            return "off (--no-webhooks)"
        port = await receiver.start()
        hook = await http.post("/v1/webhooks", json={"url": f"http://127.0.0.1:{port}/hook"})
        return "on" if hook.status_code == 201 else f"off ({hook.status_code})"


def sample(server: Server, timings: Timings, since: float, start: float, index: int) -> Sample:
    now = time.monotonic()
    window = [t for t in timings.seen[index:] if t[0] >= since]
    latencies = sorted(t[1] for t in window)
    p99 = (
        latencies[int(len(latencies) * 0.99) - 1]
        if len(latencies) >= 100
        else max(latencies or [0])
    )
    return Sample(
        at_s=round(now - start, 1),
        requests_per_s=round(len(window) / max(now - since, 1e-9), 1),
        p99_ms=round(p99 * 1000, 1),
        errors=sum(1 for t in window if t[2] >= 500),
        rss_mib=round(server.rss_kib() / 1024, 1),
    )


async def soak(args: argparse.Namespace, url: str) -> dict[str, object]:
    upgrade(url)
    world = await asyncio.to_thread(provision, url, "soak", 4)
    # The receiver is local: allowed the way an operator allows an on-premises one.
    server = Server(
        url, SESSIONARY_SWEEP_INTERVAL_S="1", SESSIONARY_WEBHOOK_ALLOWED_NETWORKS="127.0.0.0/8"
    )
    await asyncio.to_thread(server.start)
    receiver = Receiver()
    try:
        webhooks = await configure(server.base, world, receiver, not args.no_webhooks)
        timings = Timings()
        driver = Driver(server.base, world, Ledger(), seed=1)
        load = asyncio.create_task(driver.run(args.workers, transport=timings))
        samples: list[Sample] = []
        start = time.monotonic()
        end = start + args.minutes * 60
        while time.monotonic() < end:
            since, index = time.monotonic(), len(timings.seen)
            await asyncio.sleep(min(args.sample_s, max(end - time.monotonic(), 0.1)))
            samples.append(sample(server, timings, since, start, index))
            print(json.dumps(samples[-1].__dict__), flush=True)
        driver.stop.set()
        await load
    finally:
        await asyncio.to_thread(server.stop)
        if receiver.server is not None:
            receiver.server.close()
    return summarise(args, samples, webhooks, receiver.deliveries, driver.ledger)


def summarise(
    args: argparse.Namespace,
    samples: list[Sample],
    webhooks: str,
    deliveries: int,
    ledger: Ledger,
) -> dict[str, object]:
    warm = [s for s in samples if s.at_s >= args.warmup_s] or samples
    baseline, final = warm[0].rss_mib, samples[-1].rss_mib
    growth = (final - baseline) / baseline if baseline else 0.0
    return {
        "backend": args.backend,
        "minutes": args.minutes,
        "workers": args.workers,
        "webhooks": webhooks,
        "webhook_deliveries": deliveries,
        "acknowledged_operations": ledger.acknowledged(),
        "requests_per_s_median": statistics.median(s.requests_per_s for s in warm),
        "p99_ms_median": statistics.median(s.p99_ms for s in warm),
        "server_errors": sum(s.errors for s in samples),
        "rss_mib_after_warmup": baseline,
        "rss_mib_end": final,
        "rss_growth": round(growth, 4),
        "ok": growth <= RSS_TOLERANCE,
        "samples": [s.__dict__ for s in samples],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=float(os.environ.get("SOAK_MINUTES", 10)))
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("SOAK_WORKERS", 8)))
    warmup = float(os.environ.get("SOAK_WARMUP_S", 120))  # RSS plateaus after a few minutes
    parser.add_argument("--warmup-s", type=float, default=warmup)
    parser.add_argument("--sample-s", type=float, default=10)
    parser.add_argument("--no-webhooks", action="store_true", help="leave webhooks out")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results")
    args = parser.parse_args()
    with database(args.backend) as url:
        result = asyncio.run(soak(args, url))
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"soak-{args.backend}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    summary = {k: v for k, v in result.items() if k != "samples"}
    print(json.dumps(summary, indent=2))
    print(f"report: {path}")
    if not result["ok"]:
        print(f"RSS grew {result['rss_growth']:.1%} after warm-up (limit {RSS_TOLERANCE:.0%})")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
