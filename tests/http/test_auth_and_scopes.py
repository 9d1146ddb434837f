"""Credentials on /v1: Bearer or X-API-Key, 401 with WWW-Authenticate, scopes answer 403."""

from __future__ import annotations

import httpx
import pytest

from sessionary.bootstrap import Container
from sessionary.domain.model import Tenant
from tests.conftest import Api, key_headers
from tests.support import FakeClock

from .helpers import assert_problem, clock_date, list_sessions, open_session

OPEN_BODY = {"subject": {"kind": "user", "id": "u1"}}


def assert_unauthenticated(response: httpx.Response) -> None:
    body = assert_problem(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"].lower().startswith("bearer")
    assert "secret" not in body


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer sk_not_a_real_secret"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"X-API-Key": "sk_not_a_real_secret"},
        {"X-API-Key": ""},
    ],
    ids=["none", "empty-bearer", "wrong-bearer", "basic", "wrong-x-api-key", "empty-x-api-key"],
)
async def test_a_missing_or_wrong_credential_is_a_401_and_opens_nothing(
    api: Api, headers: dict[str, str]
) -> None:
    response = await api.client.post("/v1/sessions", json=OPEN_BODY, headers=headers)
    assert_unauthenticated(response)
    assert_unauthenticated(await api.client.get("/v1/sessions", headers=headers))
    assert await list_sessions(api) == []


async def test_the_secret_works_as_bearer_and_as_x_api_key(api: Api) -> None:
    secret = api.headers["Authorization"].removeprefix("Bearer ")
    opened = await api.client.post("/v1/sessions", json=OPEN_BODY, headers={"X-API-Key": secret})
    assert opened.status_code == 201, opened.text
    lowercase = {"Authorization": f"bearer {secret}"}
    fetched = await api.client.get(f"/v1/sessions/{opened.json()['id']}", headers=lowercase)
    assert fetched.json()["id"] == opened.json()["id"]


async def test_a_revoked_credential_is_a_401_at_once(api: Api) -> None:
    issued = await api.client.post(
        "/v1/credentials", json={"scopes": ["sessions:read"]}, headers=api.headers
    )
    assert issued.status_code == 201, issued.text
    headers = {"Authorization": f"Bearer {issued.json()['secret']}"}
    assert (await api.client.get("/v1/sessions", headers=headers)).status_code == 200
    revoked = await api.client.delete(f"/v1/credentials/{issued.json()['id']}", headers=api.headers)
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] is not None
    assert_unauthenticated(await api.client.get("/v1/sessions", headers=headers))


async def test_an_expired_credential_is_a_401(api: Api, clock: FakeClock) -> None:
    expires = f"{clock_date(clock).isoformat()}T23:59:59Z"
    issued = await api.client.post(
        "/v1/credentials",
        json={"scopes": ["sessions:read"], "expires_at": expires},
        headers=api.headers,
    )
    assert issued.status_code == 201, issued.text
    headers = {"Authorization": f"Bearer {issued.json()['secret']}"}
    assert (await api.client.get("/v1/sessions", headers=headers)).status_code == 200
    clock.advance(2 * 86400)
    assert_unauthenticated(await api.client.get("/v1/sessions", headers=headers))


async def test_a_key_without_the_write_scope_is_a_403_and_opens_nothing(
    api: Api, container: Container, tenant: Tenant
) -> None:
    reader = await key_headers(container, tenant.pk, "sessions:read")
    response = await api.client.post("/v1/sessions", json=OPEN_BODY, headers=reader)
    body = assert_problem(response, 403, "forbidden")
    assert body["scope"] == "sessions:write"
    assert (await api.client.get("/v1/sessions", headers=reader)).json()["items"] == []


async def test_each_route_enforces_its_own_scope(
    api: Api, container: Container, tenant: Tenant
) -> None:
    session = await open_session(api)
    sid = session["id"]
    writer = await key_headers(container, tenant.pk, "sessions:write")
    events_writer = await key_headers(container, tenant.pk, "events:write")
    cases: list[tuple[str, str, dict[str, str], str]] = [
        ("GET", f"/v1/sessions/{sid}", writer, "sessions:read"),
        ("GET", "/v1/sessions", events_writer, "sessions:read"),
        ("POST", f"/v1/sessions/{sid}/close", events_writer, "sessions:write"),
        ("DELETE", f"/v1/sessions/{sid}", events_writer, "sessions:write"),
        ("POST", f"/v1/sessions/{sid}/events", writer, "events:write"),
        ("GET", f"/v1/sessions/{sid}/events", events_writer, "events:read"),
        ("GET", "/v1/usage", writer, "usage:read"),
        ("GET", "/v1/credentials", writer, "admin"),
        ("POST", "/v1/credentials", writer, "admin"),
        ("GET", "/v1/subjects", writer, "admin"),
    ]
    for method, url, headers, scope in cases:
        response = await api.client.request(method, url, headers=headers, json={"events": []})
        body = assert_problem(response, 403, "forbidden")
        assert body["scope"] == scope, (method, url)
    assert (await api.client.get(f"/v1/sessions/{sid}", headers=api.headers)).json() == session


async def test_an_admin_key_may_do_everything_inside_its_tenant(
    api: Api, container: Container, tenant: Tenant
) -> None:
    admin = await key_headers(container, tenant.pk, "admin")
    opened = await api.client.post("/v1/sessions", json=OPEN_BODY, headers=admin)
    assert opened.status_code == 201, opened.text
    sid = opened.json()["id"]
    appended = await api.client.post(
        f"/v1/sessions/{sid}/events", json={"events": [{"type": "a"}]}, headers=admin
    )
    assert appended.status_code == 201
    assert (await api.client.get("/v1/usage", headers=admin)).status_code == 200
    closed = await api.client.post(f"/v1/sessions/{sid}/close", headers=admin)
    assert closed.json()["status"] == "closed"


async def test_an_operator_key_on_tenant_routes_is_a_403(api: Api, container: Container) -> None:
    operator = await key_headers(container, None, "system")
    response = await api.client.post("/v1/sessions", json=OPEN_BODY, headers=operator)
    assert_problem(response, 403, "forbidden")
    for url in ("/v1/sessions", "/v1/usage", "/v1/tenant", "/v1/credentials"):
        assert_problem(await api.client.get(url, headers=operator), 403, "forbidden")
    assert await list_sessions(api) == []


async def test_a_tenant_key_on_operator_routes_is_a_403_and_creates_no_tenant(
    api: Api, container: Container
) -> None:
    created = await api.client.post("/v1/tenants", json={"name": "evil"}, headers=api.headers)
    assert_problem(created, 403, "forbidden")
    assert_problem(await api.client.get("/v1/tenants", headers=api.headers), 403, "forbidden")
    issued = await api.client.post(
        f"/v1/tenants/{api.tenant.name}/credentials",
        json={"scopes": ["admin"]},
        headers=api.headers,
    )
    assert_problem(issued, 403, "forbidden")
    operator = await key_headers(container, None, "system")
    names = [
        t["name"] for t in json_object_list(await api.client.get("/v1/tenants", headers=operator))
    ]
    assert names == [api.tenant.name]


def json_object_list(response: httpx.Response) -> list[dict[str, object]]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert isinstance(body, list)
    return body


async def test_a_tenant_admin_cannot_mint_an_operator_key(api: Api) -> None:
    response = await api.client.post(
        "/v1/credentials", json={"scopes": ["system"]}, headers=api.headers
    )
    assert_problem(response, 422, "invalid-input")
    listed = json_object_list(await api.client.get("/v1/credentials", headers=api.headers))
    assert len(listed) == 1
    assert all("system" not in str(c["scopes"]) for c in listed)
