"""Tenant isolation: a client of "globex" never sees or closes sessions of "acme".

From the code (routes.application): the application is looked up in the tenant of the token,
so another tenant's key is "The requested application is invalid." (InvalidToken false), not
the RESTRICTED answer."""

from __future__ import annotations

import pytest

from sessionary.bootstrap import Container
from sessionary.domain.model import Tenant
from tests.conftest import TEST_ACTOR, key_headers

from .helpers import (
    APP_INVALID,
    SESSION_GONE,
    Pagos,
    PagosClient,
    close_failure,
    expect,
    native_sessions,
    new_app,
    new_client,
    open_failure,
)


@pytest.fixture
async def stranger(container: Container, other_tenant: Tenant) -> PagosClient:
    return await new_client(container, other_tenant.name)


@pytest.fixture
async def stranger_token(pagos: Pagos, stranger: PagosClient) -> str:
    return await pagos.token(stranger)


async def test_another_tenants_token_cannot_find_this_tenants_application(
    pagos: Pagos, stranger_token: str, app_a: str, native: dict[str, str]
) -> None:
    expect(await pagos.open(stranger_token, {"ApplicationKey": app_a}), open_failure(APP_INVALID))
    assert await native_sessions(pagos.client, native) == []


async def test_another_tenants_token_cannot_close_this_tenants_session(
    pagos: Pagos, stranger_token: str, token: str, app_a: str, session_s: str
) -> None:
    body = {"SessionId": session_s, "ApplicationKey": app_a}
    expect(await pagos.close(stranger_token, body), close_failure(APP_INVALID))
    await pagos.close_session(token, app_a, session_s)


async def test_an_application_with_the_same_key_in_another_tenant_closes_nothing_here(
    pagos: Pagos,
    container: Container,
    other_tenant: Tenant,
    stranger: PagosClient,
    stranger_token: str,
    token: str,
    app_a: str,
    session_s: str,
    native: dict[str, str],
) -> None:
    attributes = {"access": "restricted", "clients": [stranger.id]}
    await container.subjects.put(other_tenant.pk, "application", app_a, attributes, TEST_ACTOR)
    body = {"SessionId": session_s, "ApplicationKey": app_a}
    expect(await pagos.close(stranger_token, body), close_failure(SESSION_GONE))
    theirs = await pagos.open_session(stranger_token, app_a)
    assert [s["id"] for s in await native_sessions(pagos.client, native)] == [session_s]
    other_native = await key_headers(container, other_tenant.pk)
    assert [s["id"] for s in await native_sessions(pagos.client, other_native)] == [theirs]
    body = {"SessionId": theirs, "ApplicationKey": app_a}
    expect(await pagos.close(token, body), close_failure(SESSION_GONE))
    await pagos.close_session(token, app_a, session_s)
    await pagos.close_session(stranger_token, app_a, theirs)


async def test_this_tenants_token_cannot_find_another_tenants_application(
    pagos: Pagos, container: Container, other_tenant: Tenant, stranger: PagosClient, token: str
) -> None:
    theirs = await new_app(container, other_tenant.name, stranger)
    expect(await pagos.open(token, {"ApplicationKey": theirs}), open_failure(APP_INVALID))


async def test_the_lockout_of_one_tenants_client_leaves_another_tenants_client_alone(
    pagos: Pagos, pagos_client: PagosClient, stranger: PagosClient
) -> None:
    form = {"grant_type": "client_credentials", "client_id": pagos_client.id}
    for _ in range(5):
        await pagos.token_response(form | {"client_secret": "wrong"})
    assert await pagos.token(stranger)
