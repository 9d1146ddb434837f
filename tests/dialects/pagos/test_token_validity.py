"""Tokens that stop being valid (expired, client revoked) and clients without rights on the
application all get InvalidToken true with the RESTRICTED message; nothing is opened or closed."""

from __future__ import annotations

import httpx
import pytest

from sessionary.bootstrap import Container
from sessionary.config import Settings
from sessionary.domain.model import Tenant
from tests.conftest import TEST_ACTOR
from tests.support import FakeClock

from .helpers import (
    RESTRICTED,
    Pagos,
    PagosClient,
    close_failure,
    expect,
    native_sessions,
    new_app,
    open_failure,
)

TTL_S = 60


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url, sweep_interval_s=0, environment="test", pagos_token_ttl_s=TTL_S
    )


async def expect_refused_everywhere(
    pagos: Pagos, token: str, app: str, session_id: str | None = None
) -> None:
    expect(await pagos.open(token, {"ApplicationKey": app}), open_failure(RESTRICTED, True))
    if session_id is not None:
        body = {"SessionId": session_id, "ApplicationKey": app}
        expect(await pagos.close(token, body), close_failure(RESTRICTED, True))


async def test_the_token_reports_the_configured_lifetime(
    pagos: Pagos, pagos_client: PagosClient
) -> None:
    form = {"grant_type": "client_credentials", "client_id": pagos_client.id}
    response = await pagos.token_response(form | {"client_secret": pagos_client.secret})
    assert response.json()["expires_in"] == TTL_S


async def test_an_expired_token_is_refused_and_opens_nothing(
    pagos: Pagos, token: str, app_a: str, clock: FakeClock, native: dict[str, str]
) -> None:
    clock.advance(TTL_S + 1)
    await expect_refused_everywhere(pagos, token, app_a)
    assert await native_sessions(pagos.client, native) == []


async def test_a_token_just_before_its_expiry_still_works(
    pagos: Pagos, token: str, app_a: str, clock: FakeClock
) -> None:
    clock.advance(TTL_S - 1)
    await pagos.open_session(token, app_a)


async def test_an_expired_token_cannot_close_a_session_it_opened(
    pagos: Pagos, token: str, app_a: str, session_s: str, clock: FakeClock, native: dict[str, str]
) -> None:
    clock.advance(TTL_S + 1)
    await expect_refused_everywhere(pagos, token, app_a, session_s)
    assert [s["status"] for s in await native_sessions(pagos.client, native)] == ["active"]


async def test_a_revoked_client_is_refused_once_the_cache_is_dropped(
    pagos: Pagos,
    container: Container,
    tenant: Tenant,
    pagos_client: PagosClient,
    token: str,
    app_a: str,
    session_s: str,
    native: dict[str, str],
) -> None:
    await container.credentials.revoke(tenant.pk, pagos_client.id, TEST_ACTOR)
    container.auth.forget()
    await expect_refused_everywhere(pagos, token, app_a, session_s)
    assert [s["id"] for s in await native_sessions(pagos.client, native)] == [session_s]
    form = {"grant_type": "client_credentials", "client_id": pagos_client.id}
    response = await pagos.token_response(form | {"client_secret": pagos_client.secret})
    assert (response.status_code, response.text) == (400, '{"error":"invalid_client"}')


async def test_a_revoked_client_is_refused_even_while_its_token_is_cached(
    pagos: Pagos,
    container: Container,
    tenant: Tenant,
    pagos_client: PagosClient,
    token: str,
    app_a: str,
    session_s: str,
    native: dict[str, str],
) -> None:
    await container.credentials.revoke(tenant.pk, pagos_client.id, TEST_ACTOR)
    await expect_refused_everywhere(pagos, token, app_a, session_s)
    assert [s["status"] for s in await native_sessions(pagos.client, native)] == ["active"]


async def test_a_client_without_rights_on_the_application_is_refused_for_the_token(
    pagos: Pagos,
    container: Container,
    tenant: Tenant,
    token: str,
    public_app: str,
    native: dict[str, str],
) -> None:
    ungranted = await new_app(container, tenant.name)
    await expect_refused_everywhere(pagos, token, ungranted)
    await expect_refused_everywhere(pagos, token, public_app)
    assert await native_sessions(pagos.client, native) == []


async def test_losing_the_right_on_an_application_refuses_closing_its_sessions(
    pagos: Pagos,
    container: Container,
    tenant: Tenant,
    token: str,
    app_a: str,
    session_s: str,
    native: dict[str, str],
) -> None:
    attributes = {"access": "restricted", "clients": []}
    await container.subjects.put(tenant.pk, "application", app_a, attributes, TEST_ACTOR)
    await expect_refused_everywhere(pagos, token, app_a, session_s)
    assert [s["status"] for s in await native_sessions(pagos.client, native)] == ["active"]


@pytest.mark.parametrize("scheme", ["Basic", "Token", ""])
async def test_a_token_under_another_scheme_is_no_token(
    pagos: Pagos, token: str, app_a: str, scheme: str
) -> None:
    headers = {"Authorization": f"{scheme} {token}".strip()}
    response = await pagos.post("/Api/Applications/OpenDedicatedSession", None, {}, headers=headers)
    expect(response, open_failure(RESTRICTED, True))


async def test_the_bearer_scheme_name_is_case_insensitive(
    pagos: Pagos, token: str, app_a: str
) -> None:
    headers = {"Authorization": f"bearer {token}"}
    body = {"ApplicationKey": app_a}
    response = await pagos.post(
        "/Api/Applications/OpenDedicatedSession", None, body, headers=headers
    )
    assert response.json()["Success"] is True, response.text


async def test_a_client_secret_or_a_native_key_is_not_a_token(
    pagos: Pagos, pagos_client: PagosClient, app_a: str, native: dict[str, str]
) -> None:
    await expect_refused_everywhere(pagos, pagos_client.secret, app_a)
    native_key = native["Authorization"].removeprefix("Bearer ")
    await expect_refused_everywhere(pagos, native_key, app_a)
    assert await native_sessions(pagos.client, native) == []


async def test_a_pagos_token_is_not_accepted_by_the_native_api(
    client: httpx.AsyncClient, token: str
) -> None:
    response = await client.get("/v1/sessions", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401, response.text
