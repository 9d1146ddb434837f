"""The service behind Debian's PgBouncer in transaction mode (scripts/ensure-pgbouncer), in front
of the suite's cluster. PgBouncer keeps 2 server connections per database, fewer than the
service's pool and its concurrent requests, so transactions of one client connection run on
different server connections; PgBouncer 1.18 (Debian 12) does not carry prepared statements
across them (``max_prepared_statements`` came in 1.21)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import asyncpg
import httpx
import pytest

from sessionary.bootstrap import Container, build
from sessionary.config import Settings
from sessionary.domain.errors import StorageUnavailable
from sessionary.domain.model import TenantPolicy
from sessionary.http.app import create_app
from sessionary.services.sessions import OpenRequest
from sessionary.storage.migrate import current, head, upgrade

from ..conftest import PG_TEMPLATE, TEST_ACTOR, key_headers
from ..pgbouncer import PgBouncer
from ..pgcluster import PgCluster
from ..support import postgres_database


@pytest.fixture(scope="module")
def bouncer(pg_cluster: PgCluster) -> Iterator[PgBouncer]:
    found = PgBouncer(pg_cluster.port, pool_mode="transaction", pool_size=2)
    found.start()
    yield found
    found.stop()


@pytest.fixture
def direct_url(pg_cluster: PgCluster) -> str:
    return postgres_database(pg_cluster.port, PG_TEMPLATE)


def through(bouncer: PgBouncer, direct_url: str) -> str:
    return bouncer.url(direct_url.rsplit("/", 1)[1])


@pytest.fixture
async def container(
    bouncer: PgBouncer, direct_url: str, request: pytest.FixtureRequest
) -> AsyncIterator[Container]:
    settings = Settings(
        database_url=through(bouncer, direct_url),
        pg_pool_mode=getattr(request, "param", "transaction"),
        pg_pool_size=6,
        db_timeout_s=30,
        environment="test",
        sweep_interval_s=0,
        webhook_interval_s=0,
    )
    built = build(settings)
    yield built
    await built.close()


def test_migrations_run_through_pgbouncer(pg_cluster: PgCluster, bouncer: PgBouncer) -> None:
    """One transaction under a transaction-scoped advisory lock, without a statement cache."""
    pg_cluster.create_database("bounced_migrations")
    upgrade(bouncer.url("bounced_migrations"))
    assert current(bouncer.url("bounced_migrations")) == head()


async def test_the_api_works_through_pgbouncer_with_pool_mode_transaction(
    container: Container, direct_url: str
) -> None:
    tenant = await container.tenants.create("acme", TenantPolicy(), TEST_ACTOR)
    headers = await key_headers(container, tenant.pk)
    app = create_app(container)
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with (
        app.lifespan(),
        httpx.AsyncClient(transport=transport, base_url="http://t", headers=headers) as client,
    ):
        for round_ in range(3):  # 20 at once over 6 client and 2 server connections
            await asyncio.gather(*(_life_of_a_session(client, f"{round_}-{i}") for i in range(20)))
        listed = await client.get("/v1/sessions", params={"status": "closed", "limit": 100})
        assert listed.status_code == 200 and len(listed.json()["items"]) == 60
        assert (await client.get("/v1/usage")).status_code == 200
        assert (await client.get("/readyz")).status_code == 200  # its probe connects anew
    assert await _server_connections(direct_url) <= 2


async def _life_of_a_session(client: httpx.AsyncClient, name: str) -> None:
    opened = await client.post("/v1/sessions", json={"subject": {"kind": "p", "id": name}})
    assert opened.status_code == 201, opened.text
    sid = opened.json()["id"]
    for size in (1, 300):  # one event, and a batch the driver COPYs
        events = [{"type": "lap", "payload": {"n": n}} for n in range(size)]
        appended = await client.post(f"/v1/sessions/{sid}/events", json={"events": events})
        assert appended.status_code in (200, 201), appended.text
    read = await client.get(f"/v1/sessions/{sid}/events", params={"limit": 500})
    assert read.status_code == 200 and len(read.json()["items"]) == 301
    assert (await client.get(f"/v1/sessions/{sid}")).json()["status"] == "active"
    closed = await client.post(f"/v1/sessions/{sid}/close")
    assert closed.status_code == 200, closed.text


async def _server_connections(direct_url: str) -> int:
    conn = await asyncpg.connect(direct_url)
    try:
        count = await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid()"
        )
    finally:
        await conn.close()
    return int(count)


async def _recycle_server_connections(direct_url: str) -> None:
    """What PgBouncer's server_lifetime (or a failover) does: the next transaction of the same
    client connection runs on a server connection that prepared nothing yet."""
    conn = await asyncpg.connect(direct_url)
    try:
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await conn.close()
    await asyncio.sleep(0.2)  # PgBouncer notices the closed server connections


async def _open_twice_with_servers_recycled(container: Container, direct_url: str) -> None:
    tenant = await container.tenants.create("acme", TenantPolicy(), TEST_ACTOR)
    await container.sessions.open(tenant.pk, OpenRequest("player", "p1"), TEST_ACTOR)
    await _recycle_server_connections(direct_url)
    await container.sessions.open(tenant.pk, OpenRequest("player", "p2"), TEST_ACTOR)


@pytest.mark.parametrize("container", ["session"], indirect=True)
async def test_without_pool_mode_transaction_the_error_names_the_setting(
    container: Container, direct_url: str
) -> None:
    with pytest.raises(StorageUnavailable, match="set SESSIONARY_PG_POOL_MODE=transaction"):
        await _open_twice_with_servers_recycled(container, direct_url)


async def test_with_pool_mode_transaction_recycled_server_connections_change_nothing(
    container: Container, direct_url: str
) -> None:
    await _open_twice_with_servers_recycled(container, direct_url)
