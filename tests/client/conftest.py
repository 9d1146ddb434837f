"""Fixtures: one real server per backend for the whole run; a fresh tenant and key per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sessionary.client import AsyncClient, Client, RetryPolicy
from sessionary.domain.scopes import TENANT_SCOPES
from tests.conftest import PG_TEMPLATE
from tests.pgcluster import PgCluster
from tests.support import postgres_database, sqlite_database

from .server import Server, new_tenant_name, serving

# Quick retries keep failure paths fast; the attempts are the library's default.
FAST_RETRY = RetryPolicy(attempts=4, backoff_s=0.01, max_backoff_s=0.05)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp("client-server")
    if request.param == "sqlite":
        url = sqlite_database(request.getfixturevalue("sqlite_template_file"), directory)
    else:
        cluster: PgCluster = request.getfixturevalue("pg_cluster")
        url = postgres_database(cluster.port, PG_TEMPLATE)
    with serving(url, directory / "server.log") as srv:
        yield srv


@dataclass(frozen=True)
class TenantKey:
    tenant: str
    key: str


@pytest.fixture
def operator(server: Server) -> Iterator[Client]:
    with Client(server.url, server.operator_key, retry=FAST_RETRY) as client:
        yield client


@pytest.fixture
def tenant_key(operator: Client) -> TenantKey:
    """A new tenant per test, so counts and listings see only the test's own sessions."""
    name = new_tenant_name()
    operator.create_tenant(name)
    issued = operator.create_tenant_credential(name, sorted(TENANT_SCOPES), name="test")
    return TenantKey(name, issued.secret)


@pytest.fixture
def sync_client(server: Server, tenant_key: TenantKey) -> Iterator[Client]:
    with Client(server.url, tenant_key.key, retry=FAST_RETRY) as client:
        yield client


@pytest.fixture
async def async_client(server: Server, tenant_key: TenantKey) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(server.url, tenant_key.key, retry=FAST_RETRY) as client:
        yield client


def logs(server: Server) -> str:
    return Path(server.log).read_text()
