"""PUT /authenticate/switch (admin only, spec §4.2) and the legacy PUT /session (§4.6)."""

from __future__ import annotations

import httpx
import pytest

from sessionary.domain.model import Subject, Tenant

from .conftest import ADMIN_EMAIL, ADMIN_PASSWORD
from .helpers import (
    EMAIL,
    PREFIX,
    QUICKSTART_HASH,
    Hive,
    JsonObject,
    assert_error,
    assert_ok,
    assert_user_session,
    password_hash,
    quickstart,
)


@pytest.fixture
async def admin_session(hive: Hive, admin_account: Subject, public_key: str) -> JsonObject:
    """An administrative session: PUT /authenticate with ``requestedRole: builtin:admin``."""
    body = quickstart(ADMIN_EMAIL, password_hash(ADMIN_PASSWORD), requestedRole="builtin:admin")
    return await hive.login(public_key, body)


async def legacy(
    client: httpx.AsyncClient, api_key: str, provider: str | None, credentials: str | None
) -> httpx.Response:
    params = {"authenticationProvider": provider, "credentials": credentials}
    sent = {k: v for k, v in params.items() if v is not None}
    return await client.put(f"{PREFIX}/session", params=sent, headers={"X-API-Key": api_key})


async def test_switch_with_an_admin_session_key_returns_a_new_admin_session(
    hive: Hive, admin_session: JsonObject, tenant: Tenant
) -> None:
    response = await hive.call("PUT", admin_session["apiKey"], path="/authenticate/switch")
    body = assert_ok(response)
    new = assert_user_session(body["authenticatedSession"])
    assert new["id"] != admin_session["id"]
    assert new["accountId"] == admin_session["accountId"]
    assert new["projectId"] == admin_session["projectId"]
    assert new["apiKey"] and new["apiKey"] != admin_session["apiKey"]
    assert new["metered"] is False
    assert [p["id"] for p in body["availableProjects"]] == [admin_session["projectId"]]
    assert assert_ok(await hive.call("GET", new["apiKey"]))["id"] == new["id"]


async def test_switch_into_the_own_project_by_id_succeeds(
    client: httpx.AsyncClient, admin_session: JsonObject
) -> None:
    headers = {"X-API-Key": admin_session["apiKey"], "Content-Type": "application/json"}
    content = f'{{"projectId": "{admin_session["projectId"]}"}}'
    response = await client.put(f"{PREFIX}/authenticate/switch", content=content, headers=headers)
    assert assert_ok(response)["authenticatedSession"]["projectId"] == admin_session["projectId"]


async def test_switch_into_a_foreign_project_is_404(
    client: httpx.AsyncClient, admin_session: JsonObject, admin_key: str
) -> None:
    for api_key in (admin_session["apiKey"], admin_key):
        headers = {"X-API-Key": api_key, "Content-Type": "application/json"}
        content = b'{"projectId": "p-does-not-exist"}'
        response = await client.put(
            f"{PREFIX}/authenticate/switch", content=content, headers=headers
        )
        data = assert_error(response, 404, 1010)
        assert data["objectType"] == "Project"


async def test_switch_with_a_plain_admin_key_lists_projects_without_a_session(
    hive: Hive, admin_key: str, tenant: Tenant
) -> None:
    body = assert_ok(await hive.call("PUT", admin_key, path="/authenticate/switch"))
    assert body["authenticatedSession"] is None
    assert body["availableProjects"]


async def test_switch_refuses_public_and_user_session_keys(
    hive: Hive, public_key: str, session_key: str
) -> None:
    for api_key in (public_key, session_key):
        response = await hive.call("PUT", api_key, path="/authenticate/switch")
        assert assert_error(response, 403, 1002)["expectedSessionType"] == "admin"


async def test_an_admin_session_key_manages_any_session_of_its_project(
    hive: Hive, admin_session: JsonObject, session: JsonObject, session_key: str
) -> None:
    admin = admin_session["apiKey"]
    assert assert_ok(await hive.call("GET", admin, session["id"]))["id"] == session["id"]
    assert assert_ok(await hive.call("POST", admin))["id"] == admin_session["id"]
    assert (await hive.call("DELETE", admin, session["id"])).content == b"true"
    assert_error(await hive.call("GET", session_key), 401, 1001)


async def test_a_non_admin_account_cannot_open_an_admin_session(
    hive: Hive, account: Subject, public_key: str
) -> None:
    response = await hive.authenticate(public_key, quickstart(requestedRole="builtin:admin"))
    assert_error(response, 403, 1002)


async def test_legacy_put_session_returns_a_user_session_with_secrets(
    client: httpx.AsyncClient, hive: Hive, account: Subject, public_key: str
) -> None:
    response = await legacy(client, public_key, "password", f"{EMAIL}:{QUICKSTART_HASH}")
    body = assert_user_session(assert_ok(response))
    assert body["accountId"] == account.external_id
    assert body["metered"] is True and body["billedMinutes"] == 0
    assert abs(body["expiry"] - body["start"] - 3600) <= 2
    assert isinstance(body["apiKey"], str) and body["apiKey"]
    assert isinstance(body["secretKey"], str) and body["secretKey"]
    again = assert_ok(await hive.call("GET", body["apiKey"]))
    assert again["id"] == body["id"]
    assert "apiKey" not in again and "secretKey" not in again


@pytest.mark.parametrize(
    ("provider", "credentials", "status", "code"),
    [
        ("password", f"{EMAIL}:{password_hash('wrong')}", 401, 1006),
        ("password", f"nobody@example.com:{QUICKSTART_HASH}", 401, 1006),
        ("password", EMAIL, 400, 1003),
        ("password", f"{EMAIL}:test", 400, 1003),
        ("password", None, 400, 1003),
        ("steam", f"{EMAIL}:{QUICKSTART_HASH}", 400, 1003),
        (None, f"{EMAIL}:{QUICKSTART_HASH}", 400, 1003),
    ],
)
async def test_legacy_put_session_with_bad_credentials_is_an_error(
    client: httpx.AsyncClient,
    account: Subject,
    public_key: str,
    provider: str | None,
    credentials: str | None,
    status: int,
    code: int,
) -> None:
    assert_error(await legacy(client, public_key, provider, credentials), status, code)


async def test_legacy_put_session_needs_a_public_key(
    client: httpx.AsyncClient, account: Subject, session_key: str, admin_key: str
) -> None:
    for api_key in (session_key, admin_key):
        response = await legacy(client, api_key, "password", f"{EMAIL}:{QUICKSTART_HASH}")
        assert_error(response, 403, 1002)
