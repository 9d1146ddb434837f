"""Fixtures of spec §8: a client of tenant "acme" with its token T, a restricted app A it has
rights on, a second app B it also has rights on, a public app without grants, and S."""

from __future__ import annotations

import httpx
import pytest

from sessionary.bootstrap import Container
from sessionary.domain.model import Tenant
from tests.conftest import TEST_ACTOR, key_headers

from .helpers import Pagos, PagosClient, new_app, new_client


@pytest.fixture
def pagos(client: httpx.AsyncClient, container: Container) -> Pagos:
    return Pagos(client, container.settings.pagos_prefix)


@pytest.fixture
async def pagos_client(container: Container, tenant: Tenant) -> PagosClient:
    return await new_client(container, tenant.name)


@pytest.fixture
async def token(pagos: Pagos, pagos_client: PagosClient) -> str:
    """T: a valid token of ``pagos_client``."""
    return await pagos.token(pagos_client)


@pytest.fixture
async def app_a(container: Container, tenant: Tenant, pagos_client: PagosClient) -> str:
    """A: a restricted application the client has rights on."""
    return await new_app(container, tenant.name, pagos_client)


@pytest.fixture
async def app_b(container: Container, tenant: Tenant, pagos_client: PagosClient) -> str:
    """B: a second restricted application the client also has rights on."""
    return await new_app(container, tenant.name, pagos_client)


@pytest.fixture
async def public_app(container: Container, tenant: Tenant) -> str:
    """A public application nobody holds rights on."""
    return await new_app(container, tenant.name, public=True)


@pytest.fixture
async def session_s(pagos: Pagos, token: str, app_a: str) -> str:
    """S: a dedicated session opened with T for A (check 3)."""
    return await pagos.open_session(token, app_a)


@pytest.fixture
async def native(container: Container, tenant: Tenant) -> dict[str, str]:
    """Headers of a native /v1 key of the same tenant."""
    return await key_headers(container, tenant.pk)


@pytest.fixture
async def second_client(container: Container, tenant: Tenant, app_a: str) -> PagosClient:
    """Another client of the same tenant, also with rights on A."""
    other = await new_client(container, tenant.name)
    app = await container.subjects.get(tenant.pk, "application", app_a)
    clients = [*app.attributes["clients"], other.id]
    attributes = {**app.attributes, "clients": clients}
    await container.subjects.put(tenant.pk, "application", app_a, attributes, TEST_ACTOR)
    return other
