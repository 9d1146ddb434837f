"""Acknowledged writes for the backup tests: a thread that opens sessions and appends events to
a running server, recording what the server acknowledged, and the reads that find them again."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass
from types import TracebackType

import httpx

from sessionary.bootstrap import build
from sessionary.config import Settings
from sessionary.domain.model import TenantPolicy
from tests.conftest import TEST_ACTOR, key_headers

EVENTS_PER_SESSION = 3
PAUSE_S = 0.005  # between writes: leave the (shared, two-core) machine to the server and CLI


@dataclass(frozen=True, slots=True)
class Ack:
    session_id: str
    events: int
    sent: float  # time.monotonic() before the first request of the write
    acked: float  # and after its last answer


def tenant_key(database_url: str) -> dict[str, str]:
    """A tenant and a key with every tenant scope, made before any server starts."""

    async def make() -> dict[str, str]:
        container = build(Settings(database_url=database_url, sweep_interval_s=0))
        try:
            tenant = await container.tenants.create("acme", TenantPolicy(), TEST_ACTOR)
            return await key_headers(container, tenant.pk)
        finally:
            await container.close()

    return asyncio.run(make())


def write_one(client: httpx.Client, n: int) -> Ack:
    sent = time.monotonic()
    opened = client.post("/v1/sessions", json={"subject": {"kind": "player", "id": f"p{n}"}})
    assert opened.status_code == 201, opened.text
    sid = opened.json()["id"]
    events = [{"type": "round", "payload": {"n": i}} for i in range(EVENTS_PER_SESSION)]
    appended = client.post(f"/v1/sessions/{sid}/events", json={"events": events})
    assert appended.status_code == 201, appended.text
    return Ack(sid, EVENTS_PER_SESSION, sent, time.monotonic())


class Writer:
    """Writes in a thread until stopped; a refused write fails the test on exit."""

    def __init__(self, base: str, headers: dict[str, str]) -> None:
        self._client = httpx.Client(base_url=base, headers=headers, timeout=30)
        self._acks: list[Ack] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="writer", daemon=True)

    def __enter__(self) -> Writer:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
        self._client.close()
        if self._error is not None and exc is None:
            raise AssertionError(f"a write failed: {self._error!r}") from self._error

    def acked(self) -> list[Ack]:
        with self._lock:
            return list(self._acks)

    def wait_for(self, count: int, sent_after: float = 0.0, timeout_s: float = 30) -> None:
        """Until ``count`` writes sent after ``sent_after`` have been acknowledged."""
        deadline = time.monotonic() + timeout_s
        while sum(a.sent > sent_after for a in self.acked()) < count:
            assert self._error is None, f"a write failed: {self._error!r}"
            assert time.monotonic() < deadline, "the writer fell silent"
            time.sleep(0.01)

    def _run(self) -> None:
        n = 0
        try:
            while not self._stop.is_set():
                ack = write_one(self._client, n)
                with self._lock:
                    self._acks.append(ack)
                n += 1
                self._stop.wait(PAUSE_S)
        except BaseException as exc:
            self._error = exc


def assert_present(base: str, headers: dict[str, str], acks: list[Ack]) -> None:
    """Every acknowledged session answers, with every acknowledged event."""
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        for ack in acks:
            session = client.get(f"/v1/sessions/{ack.session_id}")
            assert session.status_code == 200, (ack, session.text)
            events = client.get(f"/v1/sessions/{ack.session_id}/events", params={"limit": 5000})
            assert len(events.json()["items"]) == ack.events, ack


def assert_writable(base: str, headers: dict[str, str]) -> None:
    """A restored database takes new writes: its ids and sequences carry on."""
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        ack = write_one(client, 1_000_000)
    assert_present(base, headers, [ack])
