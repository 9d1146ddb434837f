"""/v1 administration: tenants (operator key), own tenant and policy, credentials, subjects."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sessionary.bootstrap import Container
from tests.conftest import Api, key_headers

from .helpers import assert_problem, json_object, open_session


def json_list(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert isinstance(body, list)
    return body


@pytest.fixture
async def operator(api: Api, container: Container) -> Api:
    return Api(api.client, await key_headers(container, None, "system"), api.tenant)


async def test_an_operator_creates_a_tenant_and_its_first_admin_key(
    operator: Api, api: Api
) -> None:
    created = await operator.client.post(
        "/v1/tenants", json={"name": "initech", "idle_timeout_s": 300}, headers=operator.headers
    )
    assert created.status_code == 201, created.text
    tenant = json_object(created)
    assert (tenant["name"], tenant["idle_timeout_s"], tenant["allow_extend"]) == (
        "initech",
        300,
        True,
    )
    names = [
        t["name"]
        for t in json_list(await operator.client.get("/v1/tenants", headers=operator.headers))
    ]
    assert sorted(names) == ["acme", "initech"]
    by_id = await operator.client.get(f"/v1/tenants/{tenant['id']}", headers=operator.headers)
    assert json_object(by_id) == tenant
    issued = await operator.client.post(
        "/v1/tenants/initech/credentials", json={"scopes": ["admin"]}, headers=operator.headers
    )
    assert issued.status_code == 201, issued.text
    assert (issued.json()["tenant"], issued.json()["scopes"]) == ("initech", ["admin"])
    admin = Api(api.client, {"Authorization": f"Bearer {issued.json()['secret']}"}, api.tenant)
    assert json_object(await admin.client.get("/v1/tenant", headers=admin.headers)) == tenant
    session = await open_session(admin)
    assert session["idle_timeout_s"] == 300
    own = await api.client.get(f"/v1/sessions/{session['id']}", headers=api.headers)
    assert_problem(own, 404, "session-not-found")


async def test_tenant_names_are_unique_and_validated(operator: Api) -> None:
    duplicate = await operator.client.post(
        "/v1/tenants", json={"name": "acme"}, headers=operator.headers
    )
    assert_problem(duplicate, 409, "already-exists")
    for body in ({"name": "bad name!"}, {"name": ""}, {"name": "ok", "colour": "red"}, {}):
        bad = await operator.client.post("/v1/tenants", json=body, headers=operator.headers)
        assert_problem(bad, 422, "invalid-input")
    names = [
        t["name"]
        for t in json_list(await operator.client.get("/v1/tenants", headers=operator.headers))
    ]
    assert names == ["acme"]


async def test_an_unknown_tenant_answers_404(operator: Api) -> None:
    missing = await operator.client.get("/v1/tenants/nobody", headers=operator.headers)
    assert_problem(missing, 404, "tenant-not-found")
    issue = await operator.client.post(
        "/v1/tenants/nobody/credentials", json={"scopes": ["admin"]}, headers=operator.headers
    )
    assert_problem(issue, 404, "tenant-not-found")


async def test_a_tenant_admin_reads_and_replaces_its_policy(api: Api) -> None:
    before = json_object(await api.client.get("/v1/tenant", headers=api.headers))
    assert before["name"] == api.tenant.name
    policy = {
        "idle_timeout_s": 120,
        "max_lifetime_s": 3600,
        "retention_days": 30,
        "allow_extend": False,
    }
    updated = await api.client.put("/v1/tenant/policy", json=policy, headers=api.headers)
    assert updated.status_code == 200, updated.text
    assert {k: json_object(updated)[k] for k in policy} == policy
    after = json_object(await api.client.get("/v1/tenant", headers=api.headers))
    assert after == json_object(updated)
    s = await open_session(api)
    extend = await api.client.post(f"/v1/sessions/{s['id']}/extend", headers=api.headers)
    assert_problem(extend, 403, "forbidden")
    bad = await api.client.put(
        "/v1/tenant/policy", json={"idle_timeout_s": "1"}, headers=api.headers
    )
    assert_problem(bad, 422, "invalid-input")
    assert json_object(await api.client.get("/v1/tenant", headers=api.headers)) == after


async def test_a_new_credentials_secret_is_shown_once_and_works(api: Api) -> None:
    created = await api.client.post(
        "/v1/credentials",
        json={"scopes": ["sessions:read", "events:read"], "name": "dashboard"},
        headers=api.headers,
    )
    assert created.status_code == 201, created.text
    issued = json_object(created)
    assert (issued["name"], issued["tenant"]) == ("dashboard", api.tenant.name)
    assert issued["scopes"] == ["sessions:read", "events:read"]
    listed = json_list(await api.client.get("/v1/credentials", headers=api.headers))
    mine = [c for c in listed if c["id"] == issued["id"]]
    assert len(mine) == 1
    assert "secret" not in mine[0]
    assert issued["secret"] not in str(listed)
    assert issued["secret"].startswith(mine[0]["prefix"])
    assert (mine[0]["kind"], mine[0]["revoked_at"]) == ("native", None)
    reader = {"X-API-Key": issued["secret"]}
    assert (await api.client.get("/v1/sessions", headers=reader)).status_code == 200


async def test_revoking_a_credential_marks_it_and_locks_it_out(api: Api) -> None:
    issued = json_object(
        await api.client.post("/v1/credentials", json={"scopes": ["admin"]}, headers=api.headers)
    )
    revoked = await api.client.delete(f"/v1/credentials/{issued['id']}", headers=api.headers)
    assert revoked.status_code == 200, revoked.text
    listed = {
        c["id"]: c for c in json_list(await api.client.get("/v1/credentials", headers=api.headers))
    }
    assert listed[issued["id"]]["revoked_at"] == json_object(revoked)["revoked_at"] is not None
    locked = await api.client.get("/v1/tenant", headers={"X-API-Key": issued["secret"]})
    assert_problem(locked, 401, "unauthenticated")


async def test_bad_credential_requests_are_rejected_and_issue_nothing(api: Api) -> None:
    before = json_list(await api.client.get("/v1/credentials", headers=api.headers))
    bodies: list[dict[str, Any]] = [
        {"scopes": []},
        {"scopes": ["root"]},
        {"scopes": "admin"},
        {"name": "x"},
    ]
    for body in bodies:
        response = await api.client.post("/v1/credentials", json=body, headers=api.headers)
        assert_problem(response, 422, "invalid-input")
    assert json_list(await api.client.get("/v1/credentials", headers=api.headers)) == before


async def test_subjects_are_listed_read_and_annotated(api: Api) -> None:
    for kind, ext in (("user", "u1"), ("user", "u2"), ("device", "d1"), ("user", "u1")):
        await open_session(api, subject={"kind": kind, "id": ext})
    everyone = json_object(await api.client.get("/v1/subjects", headers=api.headers))
    assert sorted((s["kind"], s["id"]) for s in everyone["items"]) == [
        ("device", "d1"),
        ("user", "u1"),
        ("user", "u2"),
    ]
    users = await api.client.get("/v1/subjects", params={"kind": "user"}, headers=api.headers)
    assert sorted(s["id"] for s in json_object(users)["items"]) == ["u1", "u2"]
    page = json_object(
        await api.client.get("/v1/subjects", params={"limit": 2}, headers=api.headers)
    )
    rest = await api.client.get(
        "/v1/subjects", params={"cursor": page["next_cursor"]}, headers=api.headers
    )
    paged = [s["id"] for s in page["items"]] + [s["id"] for s in json_object(rest)["items"]]
    assert sorted(paged) == ["d1", "u1", "u2"]
    put = await api.client.put(
        "/v1/subjects/user/u1", json={"attributes": {"tier": "gold"}}, headers=api.headers
    )
    assert json_object(put)["attributes"] == {"tier": "gold"}
    got = json_object(await api.client.get("/v1/subjects/user/u1", headers=api.headers))
    assert (got["kind"], got["id"], got["attributes"]) == ("user", "u1", {"tier": "gold"})
    assert_problem(await api.client.get("/v1/subjects/user/nobody", headers=api.headers), 404)
