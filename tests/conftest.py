"""Fixtures: every storage-touching test runs on SQLite and on a throwaway PostgreSQL cluster
that the suite starts itself (tests/pgcluster.py); it is never skipped."""

from __future__ import annotations

import atexit
import inspect
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from sessionary.bootstrap import Container, build
from sessionary.config import Settings
from sessionary.domain.model import Actor, Tenant, TenantPolicy
from sessionary.domain.scopes import TENANT_SCOPES
from sessionary.http.app import create_app
from sessionary.services.credentials import NewCredential
from sessionary.storage.migrate import upgrade

from .pgcluster import PgCluster
from .support import FakeClock, postgres_database, sqlite_database, sqlite_template

# Served and CLI subprocesses keep their files (a bootstrap key, a default database) out of the
# user's own data directory.
if "SESSIONARY_DATA_DIR" not in os.environ:
    os.environ["SESSIONARY_DATA_DIR"] = tempfile.mkdtemp(prefix="sessionary-data-")
    atexit.register(shutil.rmtree, os.environ["SESSIONARY_DATA_DIR"], ignore_errors=True)

TEST_ACTOR = Actor(credential_pk=None, label="test")
PG_TEMPLATE = "sessionary_template"


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: object) -> None:
    """Every ``async def test_...`` runs on asyncio via anyio's plugin, without a marker each."""
    if name.startswith("test") and inspect.iscoroutinefunction(obj):
        pytest.mark.anyio(obj)


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    cluster = PgCluster()
    cluster.start()
    upgrade(cluster.create_database(PG_TEMPLATE))
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def sqlite_template_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, migrated database per test, on each backend."""
    if request.param == "sqlite":
        return sqlite_database(request.getfixturevalue("sqlite_template_file"), tmp_path)
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    return postgres_database(cluster.port, PG_TEMPLATE)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(database_url: str) -> Settings:
    # A generous database timeout: a busy CI machine must not turn a slow lock wait into a
    # 503 (tests/fault checks the fail-fast default with its own settings).
    return Settings(
        database_url=database_url,
        sweep_interval_s=0,
        webhook_interval_s=0,
        db_timeout_s=30,
        environment="test",
    )


@pytest.fixture
async def container(settings: Settings, clock: FakeClock) -> AsyncIterator[Container]:
    c = build(settings, clock=clock)
    yield c
    await c.close()


@pytest.fixture
async def tenant(container: Container) -> Tenant:
    return await container.tenants.create("acme", TenantPolicy(), TEST_ACTOR)


@pytest.fixture
async def other_tenant(container: Container) -> Tenant:
    return await container.tenants.create("globex", TenantPolicy(), TEST_ACTOR)


@dataclass
class Api:
    """An HTTP client plus the headers of a credential in one tenant."""

    client: httpx.AsyncClient
    headers: dict[str, str]
    tenant: Tenant


async def key_headers(container: Container, tenant_pk: int | None, *scopes: str) -> dict[str, str]:
    new = NewCredential(tenant_pk=tenant_pk, scopes=scopes or tuple(sorted(TENANT_SCOPES)))
    issued = await container.credentials.issue(new, TEST_ACTOR)
    return {"Authorization": f"Bearer {issued.secret}"}


@pytest.fixture
async def client(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    """The app in the test's own event loop (asyncpg connections belong to one loop)."""
    app = create_app(container)
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with (
        app.lifespan(),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as test_client,
    ):
        yield test_client


@pytest.fixture
async def api(client: httpx.AsyncClient, container: Container, tenant: Tenant) -> Api:
    return Api(client, await key_headers(container, tenant.pk), tenant)


@pytest.fixture
async def other_api(client: httpx.AsyncClient, container: Container, other_tenant: Tenant) -> Api:
    return Api(client, await key_headers(container, other_tenant.pk), other_tenant)
