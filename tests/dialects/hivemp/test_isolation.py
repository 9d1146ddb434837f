"""Tenant isolation: each project ("acme", "globex") sees only its own accounts and sessions."""

from __future__ import annotations

import httpx
import pytest

from sessionary.bootstrap import Container
from sessionary.dialects.hivemp.accounts import create_account
from sessionary.dialects.hivemp.keys import create_key
from sessionary.domain.model import Subject, Tenant
from sessionary.services.credentials import NewCredential
from sessionary.services.sessions import OpenRequest
from tests.conftest import TEST_ACTOR, key_headers

from .helpers import (
    EMAIL,
    PREFIX,
    Hive,
    JsonObject,
    assert_error,
    assert_ok,
    native_sessions,
    password_hash,
    quickstart,
)


@pytest.fixture
async def other_public_key(container: Container, other_tenant: Tenant) -> str:
    return await create_key(container, other_tenant.name, "public", TEST_ACTOR)


@pytest.fixture
async def other_admin_key(container: Container, other_tenant: Tenant) -> str:
    return await create_key(container, other_tenant.name, "admin", TEST_ACTOR)


async def test_a_public_key_of_another_project_cannot_log_in_this_projects_account(
    hive: Hive,
    client: httpx.AsyncClient,
    native: dict[str, str],
    account: Subject,
    other_public_key: str,
) -> None:
    response = await hive.authenticate(other_public_key, quickstart())
    assert response.status_code != 200
    assert_error(response, 401, 1006)
    legacy = {"authenticationProvider": "password", "credentials": f"{EMAIL}:" + "0" * 64}
    headers = {"X-API-Key": other_public_key}
    assert_error(await client.put(f"{PREFIX}/session", params=legacy, headers=headers), 401, 1006)
    assert await native_sessions(client, native) == []


async def test_an_admin_key_of_another_project_gets_404_for_this_projects_session(
    hive: Hive, session: JsonObject, session_key: str, other_admin_key: str
) -> None:
    for method in ("GET", "POST", "DELETE"):
        data = assert_error(await hive.call(method, other_admin_key, session["id"]), 404, 1004)
        assert data["invalidSessionId"] == session["id"]
        assert data["objectType"] == "UserSession"
    body = assert_ok(await hive.call("GET", session_key))
    assert body["expiry"] == session["expiry"]


async def test_the_same_email_is_a_separate_account_in_each_project(
    hive: Hive,
    container: Container,
    other_tenant: Tenant,
    account: Subject,
    public_key: str,
    other_public_key: str,
) -> None:
    other = await create_account(container, other_tenant.pk, EMAIL, "globex", False, TEST_ACTOR)
    assert other.external_id != account.external_id
    mine = await hive.login(public_key, quickstart())
    theirs = await hive.login(other_public_key, quickstart(hash_=password_hash("globex")))
    assert mine["accountId"] == account.external_id
    assert theirs["accountId"] == other.external_id
    assert mine["projectId"] != theirs["projectId"]
    crossed = quickstart(hash_=password_hash("globex"))
    assert_error(await hive.authenticate(public_key, crossed), 401, 1006)


async def test_an_admin_of_another_project_cannot_switch_into_this_one(
    client: httpx.AsyncClient, session: JsonObject, other_admin_key: str
) -> None:
    headers = {"X-API-Key": other_admin_key, "Content-Type": "application/json"}
    content = f'{{"projectId": "{session["projectId"]}"}}'
    response = await client.put(f"{PREFIX}/authenticate/switch", content=content, headers=headers)
    assert_error(response, 404, 1010)


async def test_the_native_view_of_another_tenant_does_not_list_this_projects_sessions(
    client: httpx.AsyncClient,
    container: Container,
    other_tenant: Tenant,
    native: dict[str, str],
    session: JsonObject,
) -> None:
    theirs = await key_headers(container, other_tenant.pk)
    assert await native_sessions(client, theirs) == []
    assert [s["id"] for s in await native_sessions(client, native)] == [session["id"]]


async def test_another_dialects_dead_session_key_is_just_not_valid_and_names_no_session(
    hive: Hive, container: Container, other_tenant: Tenant
) -> None:
    token = "casino-game-token-" + "7" * 32  # e.g. a LuckyMonaco game token of another tenant
    key = NewCredential(None, (), kind="casino", secret=token)
    req = OpenRequest("player", "p-1", dialect="casino", bound_key=key)
    theirs = await container.sessions.open(other_tenant.pk, req, TEST_ACTOR)
    await container.sessions.close(other_tenant.pk, theirs.id, TEST_ACTOR)  # the token dies
    refused = await hive.call("GET", token)
    unknown = await hive.call("GET", "0" * 32)
    assert assert_error(refused, 401, 1001) == assert_error(unknown, 401, 1001)
    assert refused.json() == unknown.json() and theirs.id not in refused.text
