"""Against real server processes: the live stream resumes without a gap or a duplicate, and
two servers on one PostgreSQL share delivery and expiry without doing anything twice."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from ipaddress import ip_network

import httpx
import pytest

from sessionary.bootstrap import Container, build
from sessionary.config import Settings
from sessionary.domain.model import Tenant, TenantPolicy
from tests.conftest import PG_TEMPLATE, TEST_ACTOR, key_headers
from tests.pgcluster import PgCluster
from tests.support import postgres_database

from .conftest import LOCAL_RECEIVERS
from .receiver import Receiver
from .servers import serving


async def _until(done: Callable[[], bool], timeout_s: float) -> None:
    """Poll a condition that another process makes true (a receiver thread's state)."""
    deadline = time.monotonic() + timeout_s
    while not done() and time.monotonic() < deadline:  # noqa: ASYNC110 - no event to await
        await asyncio.sleep(0.2)


@dataclass
class Message:
    id: str
    event: str
    data: str


async def sse(response: httpx.Response) -> AsyncIterator[Message]:
    fields: dict[str, str] = {}
    async for line in response.aiter_lines():
        if line == "":
            if "id" in fields:
                yield Message(fields["id"], fields.get("event", ""), fields.get("data", ""))
            fields = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")


@asynccontextmanager
async def _owning(database_url: str) -> AsyncIterator[tuple[Container, Tenant, dict[str, str]]]:
    c = build(
        Settings(
            database_url=database_url,
            sweep_interval_s=0,
            webhook_interval_s=0,
            webhook_allowed_networks=(ip_network(LOCAL_RECEIVERS),),
        )
    )
    try:
        tenant = await c.tenants.create("live", TenantPolicy(), TEST_ACTOR)
        yield c, tenant, await key_headers(c, tenant.pk)
    finally:
        await c.close()


@pytest.fixture
async def owned(database_url: str) -> AsyncIterator[tuple[Container, Tenant, dict[str, str]]]:
    async with _owning(database_url) as found:
        yield found


@pytest.fixture
def pg_url(pg_cluster: PgCluster) -> str:
    """Several server processes on one database is the PostgreSQL deployment only."""
    return postgres_database(pg_cluster.port, PG_TEMPLATE)


@pytest.fixture
async def owned_pg(pg_url: str) -> AsyncIterator[tuple[Container, Tenant, dict[str, str]]]:
    async with _owning(pg_url) as found:
        yield found


async def _open_and_close(
    http: httpx.AsyncClient, base: str, headers: dict[str, str], n: int
) -> None:
    for i in range(n):
        body = {"subject": {"kind": "user", "id": f"u{i}"}}
        opened = await http.post(f"{base}/v1/sessions", json=body, headers=headers)
        assert opened.status_code == 201, opened.text
        closed = await http.post(f"{base}/v1/sessions/{opened.json()['id']}/close", headers=headers)
        assert closed.status_code == 200, closed.text


async def _read(
    http: httpx.AsyncClient, url: str, headers: dict[str, str], want: int
) -> list[Message]:
    got: list[Message] = []
    async with http.stream("GET", url, headers=headers) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        async for message in sse(response):
            got.append(message)
            if len(got) == want:
                break
    return got


async def test_an_sse_client_disconnected_mid_stream_resumes_with_no_gap_and_no_duplicate(
    database_url: str, owned: tuple[Container, Tenant, dict[str, str]]
) -> None:
    c, tenant, headers = owned
    with serving(database_url, stream_poll_s="0.05") as base:
        async with httpx.AsyncClient(timeout=20) as http:
            await _open_and_close(http, base, headers, 10)  # 20 records
            first = await asyncio.wait_for(_read(http, f"{base}/v1/events?after=0", headers, 7), 20)
            await _open_and_close(http, base, headers, 5)  # 10 more while disconnected
            resumed = await asyncio.wait_for(
                _read(http, f"{base}/v1/events", {**headers, "Last-Event-ID": first[-1].id}, 23),
                20,
            )
    seen = [m.id for m in first + resumed]
    stored = [str(r.id) for r in await c.stream.page(tenant.pk, (-1, 0), 1000)]
    assert seen == stored
    assert len(set(seen)) == 30
    assert [m.event for m in first[:2]] == ["opened", "closed"]


async def test_the_stream_refuses_an_event_id_that_is_not_the_callers(
    database_url: str, owned: tuple[Container, Tenant, dict[str, str]]
) -> None:
    headers = owned[2]
    with serving(database_url) as base:
        async with httpx.AsyncClient(timeout=10) as http:
            r = await http.get(f"{base}/v1/events?after=999999", headers=headers)
            assert r.status_code == 422 or r.status_code == 400
            r = await http.get(f"{base}/v1/events", headers={**headers, "Last-Event-ID": "x"})
            assert r.status_code in (400, 422)
            r = await http.get(f"{base}/v1/events")
            assert r.status_code == 401


async def test_two_servers_on_one_postgresql_deliver_each_record_and_expire_each_session_once(
    pg_url: str, owned_pg: tuple[Container, Tenant, dict[str, str]]
) -> None:
    database_url = pg_url
    c, tenant, headers = owned_pg
    receiver = Receiver().start()
    await c.webhooks.create(tenant.pk, receiver.url, [], TEST_ACTOR)
    env = {
        "sweep_interval_s": "0.2",
        "webhook_interval_s": "0.1",
        "sweep_batch": "5",
        "webhook_allowed_networks": LOCAL_RECEIVERS,
    }
    try:
        with serving(database_url, **env) as one, serving(database_url, **env) as two:
            async with httpx.AsyncClient(timeout=20) as http:
                ids = []
                for i in range(30):
                    base = (one, two)[i % 2]
                    idle = 60 if i < 10 else 1  # the first ten are closed, the rest expire
                    body = {"subject": {"kind": "user", "id": f"u{i}"}, "idle_timeout_s": idle}
                    r = await http.post(f"{base}/v1/sessions", json=body, headers=headers)
                    assert r.status_code == 201, r.text
                    ids.append(r.json()["id"])
                for sid in ids[:10]:
                    r = await http.post(f"{two}/v1/sessions/{sid}/close", headers=headers)
                    assert r.status_code == 200, r.text
                await _until(lambda: len(receiver.deduplicated()) >= 60, 60)
    finally:
        receiver.stop()

    records = await c.stream.page(tenant.pk, (-1, 0), 1000)
    ends = [r for r in records if r.type in ("closed", "expired")]
    assert sorted(r.session_id for r in ends) == sorted(ids)  # each session ended exactly once
    assert sum(r.type == "expired" for r in ends) == 20
    kept = receiver.deduplicated()
    assert sorted(kept, key=int) == sorted((str(r.id) for r in records), key=int)
    assert len(receiver.accepted()) == len(kept)  # no second delivery without a crash
    for sid in ids:
        mine = [int(p.event_id) for p in receiver.accepted() if p.session_id == sid]
        assert mine == sorted(mine) and len(mine) == 2
