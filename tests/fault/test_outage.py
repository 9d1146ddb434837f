"""PostgreSQL goes away under a running server (stopped, or frozen with SIGSTOP): every dialect
answers a prompt 503 in its own shape, /readyz says not ready, and service comes back by itself
when the database does, in the same process."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from sessionary.storage.migrate import upgrade

from .report import record
from .server import PausableCluster, Server, TenantWorld, provision

TIMEOUT_S = 1.0
# A statement that times out is followed by a rollback that may time out too; the rest is
# slack for a loaded machine, far below the hang of 30-60 s this bound exists to catch.
BOUND_S = 4 * TIMEOUT_S + 3
Probe = tuple[str, str, dict[str, Any], Callable[[httpx.Response], None]]


@pytest.fixture(scope="module")
def outage() -> Iterator[tuple[PausableCluster, Server, TenantWorld]]:
    cluster = PausableCluster()
    cluster.start()
    try:
        url = cluster.create_database("outage")
        upgrade(url)
        world = provision(url, "acme")
        # The Pagos probe is POST /token, polled while waiting for recovery: unthrottled here,
        # so it always reaches the database.
        server = Server(
            url,
            SESSIONARY_DB_TIMEOUT_S=str(TIMEOUT_S),
            SESSIONARY_PAGOS_TOKEN_SOURCE_PER_S="0",
            SESSIONARY_PAGOS_TOKEN_CLIENT_PER_S="0",
        )
        server.start()
        try:
            yield cluster, server, world
        finally:
            server.stop()
    finally:
        cluster.stop()


def probes(world: TenantWorld) -> dict[str, Probe]:
    """One database-touching call per dialect and the check of its 503 shape."""
    native = {"Authorization": f"Bearer {world.native}"}
    email = world.accounts[0][0]
    casino = {"secureLogin": world.casino_login, "token": world.casino_token, "uuid": "u"}
    casino.update(userId="p", gameId="lm_1_pumpkinfarm", sessionId="s", language="en")
    pagos = {"grant_type": "client_credentials", "client_id": world.pagos_client}
    pagos["client_secret"] = world.pagos_secret
    return {
        "native": (
            "/v1/sessions",
            "POST",
            {"json": {"subject": {"kind": "u", "id": "1"}}, "headers": native},
            _problem,
        ),
        "rufus": (
            "/rufus/v0/devices",
            "POST",
            {"json": {"model": "M", "serial_number": "S"}, "headers": {"api_key": world.rufus}},
            lambda r: _keys(r, ["description"]),
        ),
        "hivemp": (
            "/hivemp/v1/authenticate",
            "PUT",
            {
                "json": {"emailAddress": email, "passwordHash": "0" * 64, "metered": True},
                "headers": {"X-API-Key": world.hivemp},
            },
            lambda r: _equal(r.json()["code"], 6001),
        ),
        "pagos": ("/pagos/token", "POST", {"data": pagos}, lambda r: _keys(r, ["Message"])),
        "casino": (
            "/casino/v4/StartGame",
            "POST",
            {"json": casino},
            lambda r: _equal(r.json()["error"], 998),  # Gen B's own shape, "retry"
        ),
    }


def _problem(response: httpx.Response) -> None:
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "urn:sessionary:problem:storage-unavailable"
    assert response.headers["retry-after"] == "1"


def _keys(response: httpx.Response, keys: list[str]) -> None:
    assert list(response.json()) == keys, response.text


def _equal(got: object, want: object) -> None:
    assert got == want


def call(base: str, probe: Probe) -> tuple[httpx.Response, float]:
    path, method, kw, _ = probe
    started = time.monotonic()
    response = httpx.request(method, base + path, timeout=30, **kw)
    return response, time.monotonic() - started


def expect_unavailable(server: Server, world: TenantWorld) -> None:
    for name, probe in probes(world).items():
        response, took = call(server.base, probe)
        assert response.status_code == 503, (name, response.status_code, response.text)
        probe[3](response)
        assert took < BOUND_S, f"{name} took {took:.1f}s with the database down"
    ready = httpx.get(server.base + "/readyz", timeout=30)
    assert (ready.status_code, ready.json()["status"]) == (503, "unavailable")


def wait_for_recovery(server: Server, world: TenantWorld) -> float:
    """Seconds from the database's return until every dialect works again."""
    started = time.monotonic()
    pending = dict(probes(world))
    while pending and time.monotonic() - started < 30:
        for name, probe in list(pending.items()):
            if call(server.base, probe)[0].status_code < 500:
                del pending[name]
        time.sleep(0.05)
    assert not pending, f"no recovery without a restart: {sorted(pending)}"
    assert httpx.get(server.base + "/readyz").status_code == 200
    return time.monotonic() - started


class Load:
    """Native opens from a few threads for as long as the test runs: only 201 or 503, and no
    answer slower than the bound."""

    def __init__(self, server: Server, world: TenantWorld, threads: int = 3) -> None:
        self.probe = probes(world)["native"]
        self.base = server.base
        self.statuses: Counter[int] = Counter()
        self.slowest = 0.0
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run) for _ in range(threads)]

    def _run(self) -> None:
        while not self.stop.is_set():
            response, took = call(self.base, self.probe)
            self.statuses[response.status_code] += 1
            self.slowest = max(self.slowest, took)

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()


def test_a_stopped_database_gets_prompt_503s_and_service_resumes_without_a_restart(
    outage: tuple[PausableCluster, Server, TenantWorld],
) -> None:
    cluster, server, world = outage
    for name, probe in probes(world).items():  # warm every pool and cache first
        assert call(server.base, probe)[0].status_code < 500, name
    pid = server.proc.pid if server.proc else None
    with Load(server, world) as load:
        time.sleep(0.3)
        cluster.pause()
        try:
            expect_unavailable(server, world)
        finally:
            cluster.resume()
        recovered = wait_for_recovery(server, world)
        time.sleep(0.3)
    assert server.proc is not None and server.proc.pid == pid and server.starts == 1
    assert set(load.statuses) == {201, 503}, (load.statuses, server.log_tail())
    assert load.slowest < BOUND_S, f"a request under load took {load.slowest:.1f}s"
    record(
        "outage",
        kind="stopped",
        recovery_s=round(recovered, 2),
        timeout_s=TIMEOUT_S,
        load=dict(load.statuses),
        slowest_s=round(load.slowest, 2),
    )


def test_a_frozen_database_never_hangs_a_request_past_the_timeout(
    outage: tuple[PausableCluster, Server, TenantWorld],
) -> None:
    cluster, server, world = outage
    for name, probe in probes(world).items():
        assert call(server.base, probe)[0].status_code < 500, name
    cluster.freeze()
    try:
        expect_unavailable(server, world)
    finally:
        cluster.thaw()
    recovered = wait_for_recovery(server, world)
    assert server.starts == 1
    record("outage", kind="frozen", recovery_s=round(recovered, 2), timeout_s=TIMEOUT_S)
