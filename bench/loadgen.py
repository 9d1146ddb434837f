"""Closed-loop asyncio load generator: N virtual users, each on its own keep-alive connection.

Two clients: ``raw`` (asyncio streams and a minimal HTTP/1.1 parser, the default, because it
spends far less CPU per request on the cores the server also needs) and ``httpx``
(``httpx.AsyncClient`` with a pool of N connections), to compare against.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
import msgspec

REQUEST_TIMEOUT_S = 10.0
HARD_STOP_GRACE_S = REQUEST_TIMEOUT_S + 5.0
EVENTS_PER_SCENARIO = 10
STEPS = ("open", "append", "close")


class Opened(msgspec.Struct):
    id: str


_decode_opened = msgspec.json.Decoder(Opened).decode


def opened_id(response: bytes) -> str:
    return _decode_opened(response).id


def open_body(vu: int) -> bytes:
    """One subject per virtual user: each user opens, uses and closes its sessions in turn."""
    return msgspec.json.encode({"subject": {"kind": "user", "id": f"bench-user-{vu}"}})


class Client(Protocol):
    async def request(self, method: str, path: str, body: bytes | None) -> tuple[int, bytes]: ...

    async def aclose(self) -> None: ...


class RawClient:
    """One keep-alive HTTP/1.1 connection; reconnects when the server closes it."""

    def __init__(self, port: int, headers: dict[str, str]) -> None:
        self._port = port
        extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self._head = f"Host: 127.0.0.1:{port}\r\n{extra}".encode()
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes | None) -> tuple[int, bytes]:
        if self._writer is None or self._writer.is_closing():
            self._reader, self._writer = await asyncio.open_connection("127.0.0.1", self._port)
        assert self._reader is not None
        payload = body or b""
        length = f"Content-Length: {len(payload)}\r\n" if body is not None else ""
        start = f"{method} {path} HTTP/1.1\r\n{length}".encode()
        self._writer.write(start + self._head + b"\r\n" + payload)
        try:
            return await _read_response(self._reader)
        except BaseException:
            await self.aclose()  # a half-read response poisons the connection
            raise

    async def aclose(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError):
                await self._writer.wait_closed()
        self._reader = self._writer = None


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    lower = head.lower()
    if b"transfer-encoding: chunked" in lower:
        return status, await _read_chunked(reader)
    at = lower.find(b"content-length:")
    if at < 0:
        return status, b""
    size = int(lower[at + 15 : lower.index(b"\r\n", at)])
    return status, await reader.readexactly(size)


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        size = int((await reader.readline()).split(b";")[0], 16)
        if size == 0:
            await reader.readline()
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


class HttpxClient:
    """A view on a shared ``httpx.AsyncClient``; closing it is the phase's job."""

    def __init__(self, shared: httpx.AsyncClient) -> None:
        self._client = shared

    async def request(self, method: str, path: str, body: bytes | None) -> tuple[int, bytes]:
        resp = await self._client.request(method, path, content=body)
        return resp.status_code, resp.content

    async def aclose(self) -> None:
        return None


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)
    error_samples: list[str] = field(default_factory=list)
    scenarios: int = 0
    started: float = field(default_factory=time.perf_counter)
    # per wall-clock second of the phase: [completed requests, worst latency]
    timeline: dict[int, list[float]] = field(default_factory=dict)

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    def record(self, step: str, seconds: float, done_at: float) -> None:
        self.latencies.setdefault(step, []).append(seconds)
        bucket = self.timeline.setdefault(int(done_at - self.started), [0, 0.0])
        bucket[0] += 1
        bucket[1] = max(bucket[1], seconds)

    def fail(self, step: str, what: str, detail: str) -> None:
        self.errors[f"{step} {what}"] += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(f"{step} {what}: {detail[:300]}")


class Failed(Exception):
    """A request answered non-2xx or failed on the wire; the scenario is abandoned."""


async def timed(
    stats: Stats, client: Client, step: str, method: str, path: str, body: bytes | None
) -> bytes:
    t0 = time.perf_counter()
    try:
        async with asyncio.timeout(REQUEST_TIMEOUT_S):  # cheaper than wait_for (no extra task)
            status, data = await client.request(method, path, body)
    except (OSError, TimeoutError, asyncio.IncompleteReadError, httpx.HTTPError) as exc:
        stats.fail(step, type(exc).__name__, repr(exc))
        raise Failed from exc
    if not 200 <= status < 300:
        stats.fail(step, str(status), data.decode(errors="replace"))
        raise Failed
    done = time.perf_counter()
    stats.record(step, done - t0, done)
    return data


def event_bodies() -> list[bytes]:
    return [
        msgspec.json.encode({"events": [{"type": "click", "payload": {"n": i}}]})
        for i in range(EVENTS_PER_SCENARIO)
    ]


async def scenario_user(vu: int, client: Client, stats: Stats, deadline: float) -> None:
    """open -> 10 single-event appends -> close, until the deadline; one subject per user."""
    opening = open_body(vu)
    appends = event_bodies()
    while time.monotonic() < deadline:
        try:
            sid = opened_id(await timed(stats, client, "open", "POST", "/v1/sessions", opening))
            for body in appends:
                if time.monotonic() >= deadline:
                    return
                await timed(stats, client, "append", "POST", f"/v1/sessions/{sid}/events", body)
            await timed(stats, client, "close", "POST", f"/v1/sessions/{sid}/close", None)
        except Failed:
            continue
        stats.scenarios += 1


async def healthz_user(vu: int, client: Client, stats: Stats, deadline: float) -> None:
    """The near-bare route: same client, same connections, no database, no auth."""
    del vu
    while time.monotonic() < deadline:
        with contextlib.suppress(Failed):
            await timed(stats, client, "healthz", "GET", "/healthz", None)


User = Callable[[int, Client, Stats, float], Coroutine[Any, Any, None]]
USERS: dict[str, User] = {"scenario": scenario_user, "baseline": healthz_user}


@dataclass
class PhaseResult:
    name: str
    stats: Stats
    elapsed_s: float


async def run_phase(
    name: str, port: int, secret: str, *, users: int, seconds: float, client_kind: str
) -> PhaseResult:
    """Run ``users`` virtual users of ``name`` for ``seconds``; hard stop a grace later."""
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
    shared = httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}",
        headers=headers,
        limits=httpx.Limits(max_connections=users, max_keepalive_connections=users),
        timeout=REQUEST_TIMEOUT_S,
    )
    clients: list[Client] = [
        RawClient(port, headers) if client_kind == "raw" else HttpxClient(shared)
        for _ in range(users)
    ]
    stats = Stats()
    t0 = time.perf_counter()
    deadline = time.monotonic() + seconds
    tasks = [asyncio.create_task(USERS[name](i, c, stats, deadline)) for i, c in enumerate(clients)]
    try:
        done, pending = await asyncio.wait(tasks, timeout=seconds + HARD_STOP_GRACE_S)
        if pending:
            raise TimeoutError(f"{len(pending)} virtual users still busy at the hard stop")
        for task in done:
            task.result()  # a bug in a virtual user must not pass silently
    finally:
        elapsed = time.perf_counter() - t0
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for c in clients:
            await c.aclose()
        await shared.aclose()
    return PhaseResult(name, stats, elapsed)


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list (q in 0..100)."""
    if not sorted_values:
        return float("nan")
    rank = max(1, round(q / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]
