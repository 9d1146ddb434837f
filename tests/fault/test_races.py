"""Races between many tasks on two ``sessionary serve`` processes sharing one PostgreSQL:
close vs append, close vs close, extend vs expire (both processes sweep), supersede vs supersede.
Afterwards the stored rows keep the design's rules: one close, one lifecycle record, nothing
after close."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from tests.conftest import PG_TEMPLATE
from tests.pgcluster import PgCluster
from tests.support import postgres_database

from .invariants import check_invariants
from .report import env_int, record
from .server import Server, TenantWorld, provision, query

ROUNDS = env_int("FAULT_RACE_ROUNDS", 6)
RACERS = env_int("FAULT_RACERS", 8)


@dataclass
class Pair:
    url: str
    world: TenantWorld
    clients: list[httpx.AsyncClient]

    @property
    def native(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.world.native}"}

    def any(self, n: int) -> httpx.AsyncClient:
        return self.clients[n % len(self.clients)]


@pytest.fixture
async def pair(pg_cluster: PgCluster) -> AsyncIterator[Pair]:
    url = await asyncio.to_thread(postgres_database, pg_cluster.port, PG_TEMPLATE)
    world = await asyncio.to_thread(provision, url, "acme")
    servers = [Server(url, SESSIONARY_SWEEP_INTERVAL_S="0.2") for _ in range(2)]
    try:
        for server in servers:
            await asyncio.to_thread(server.start)
        async with (
            httpx.AsyncClient(base_url=servers[0].base, timeout=30) as a,
            httpx.AsyncClient(base_url=servers[1].base, timeout=30) as b,
        ):
            yield Pair(url, world, [a, b])
    finally:
        for server in servers:
            await asyncio.to_thread(server.stop)


async def _open(pair: Pair, subject: str, **extra: object) -> str:
    body = {"subject": {"kind": "user", "id": subject}, **extra}
    response = await pair.any(random.randrange(2)).post(
        "/v1/sessions", json=body, headers=pair.native
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_close_wins_against_appends_and_other_closes_across_two_servers(pair: Pair) -> None:
    outcomes: Counter[int] = Counter()
    for n in range(ROUNDS):
        sid = await _open(pair, f"race-{n}")

        async def append(k: int, sid: str = sid) -> list[tuple[int, str]]:
            acked = []
            for i in range(8):
                key = f"{k}-{i}"
                r = await pair.any(k).post(
                    f"/v1/sessions/{sid}/events",
                    json={"events": [{"type": "t", "dedupe_key": key}]},
                    headers=pair.native,
                )
                outcomes[r.status_code] += 1
                if r.status_code == 201:
                    acked.append((int(r.json()["last_seq"]), key))
                else:
                    assert r.json()["type"].endswith("session-not-active"), r.text
            return acked

        async def close(k: int, sid: str = sid) -> int:
            await asyncio.sleep(0.05 + 0.02 * k)
            r = await pair.any(k).post(f"/v1/sessions/{sid}/close", headers=pair.native)
            return r.status_code

        appended, closes = await asyncio.gather(
            asyncio.gather(*(append(k) for k in range(RACERS))),
            asyncio.gather(*(close(k) for k in range(4))),
        )
        assert sorted(closes) == [200, 409, 409, 409], closes
        stored = await asyncio.to_thread(_events, pair.url, sid)
        for racer in appended:
            for seq, key in racer:
                assert stored.get(seq) == key, f"acknowledged event {key} not at seq {seq}"
    checked = await asyncio.to_thread(check_invariants, pair.url)
    assert outcomes[201] and outcomes[409], f"nothing raced: {outcomes}"
    record("races", scenario="close-vs-append", sessions=checked, outcomes=dict(outcomes))


async def _expired(url: str, within_s: float = 30.0) -> set[str]:
    """The expired session ids, once no live one is left (or within_s has passed)."""
    deadline = asyncio.get_running_loop().time() + within_s
    while True:
        rows = await asyncio.to_thread(query, url, "SELECT id, status FROM sessions")
        if all(status != "active" for _, status in rows) or (
            asyncio.get_running_loop().time() > deadline
        ):
            return {str(sid) for sid, status in rows if status == "expired"}
        await asyncio.sleep(0.1)


def _events(url: str, sid: str) -> dict[int, str]:
    rows = query(
        url,
        "SELECT e.seq, e.dedupe_key FROM events e JOIN sessions s ON s.pk = e.session_pk"
        " WHERE s.id = ?",
        sid,
    )
    return {int(seq): str(key) for seq, key in rows}


async def test_extends_racing_the_expiry_of_two_sweepers_end_each_session_once(
    pair: Pair,
) -> None:
    sids = [await _open(pair, f"idle-{n}", idle_timeout_s=2) for n in range(ROUNDS * 2)]
    codes: Counter[int] = Counter()

    async def extend(k: int) -> None:
        for _ in range(12):
            sid = sids[random.randrange(len(sids))]
            r = await pair.any(k).post(
                f"/v1/sessions/{sid}/extend", json={"ttl_s": 1}, headers=pair.native
            )
            codes[r.status_code] += 1
            assert r.status_code in (200, 409), r.text
            await asyncio.sleep(random.uniform(0.05, 0.3))

    await asyncio.gather(*(extend(k) for k in range(RACERS)))
    assert await _expired(pair.url) == set(sids)  # both sweepers expire what is left
    for n, sid in enumerate(sids):  # an expired session is never brought back
        late = await pair.any(n).post(f"/v1/sessions/{sid}/extend", json={}, headers=pair.native)
        assert late.status_code == 409, late.text
    checked = await asyncio.to_thread(check_invariants, pair.url)
    assert codes[200], f"no extend succeeded: {codes}"
    record("races", scenario="extend-vs-expire", sessions=checked, outcomes=dict(codes))


async def test_concurrent_supersedes_on_one_device_leave_exactly_one_live_session(
    pair: Pair,
) -> None:
    key = {"api_key": pair.world.rufus}
    bound = await pair.clients[0].post(
        "/rufus/v0/devices", json={"model": "M", "serial_number": "RACE"}, headers=key
    )
    device = bound.json()["deviceid"]
    for n in range(ROUNDS):

        async def start(k: int) -> int:
            r = await pair.any(k).post("/rufus/v0/sessions", json={"deviceid": device}, headers=key)
            return r.status_code

        async def native(k: int, n: int = n) -> int:
            body = {"subject": {"kind": "user", "id": "one"}, "scope": "s", "supersede": True}
            r = await pair.any(k).post("/v1/sessions", json=body, headers=pair.native)
            return r.status_code

        codes = await asyncio.gather(*(start(k) for k in range(4)), *(native(k) for k in range(4)))
        assert set(codes) == {201}, codes
    live = await asyncio.to_thread(
        query,
        pair.url,
        "SELECT s.dialect, count(*) FROM sessions s WHERE s.status = 'active' GROUP BY s.dialect",
    )
    assert sorted(live) == [("native", 1), ("rufus", 1)], live
    reasons = await asyncio.to_thread(
        query, pair.url, "SELECT close_reason, count(*) FROM sessions GROUP BY close_reason"
    )
    assert dict(reasons) == {None: 2, "superseded": ROUNDS * 8 - 2}, reasons
    checked = await asyncio.to_thread(check_invariants, pair.url)
    record("races", scenario="supersede-vs-supersede", sessions=checked)
