"""Rule 7: a credential sees only its own tenant; another tenant's objects answer like unknown
ones, byte for byte apart from the request id and the echoed id."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import Api

from .helpers import (
    JsonObject,
    append,
    assert_problem,
    get_session,
    json_object,
    list_events,
    list_sessions,
    open_session,
)

UNKNOWN_ID = "ses_00000000000000000000000000"


async def call(api: Api, method: str, url: str, body: Any = None) -> httpx.Response:
    return await api.client.request(method, url, json=body, headers=api.headers)


def comparable(response: httpx.Response, echoed_id: str) -> tuple[int, str, JsonObject]:
    body = json_object(response)
    body.pop("request_id", None)
    if body.get("id") == echoed_id:
        body.pop("id")
    return response.status_code, response.headers["content-type"], body


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("GET", "", None),
        ("POST", "/close", None),
        ("POST", "/extend", {"ttl_s": 30}),
        ("DELETE", "", None),
        ("POST", "/events", {"events": [{"type": "a"}]}),
        ("GET", "/events", None),
    ],
)
async def test_another_tenants_session_answers_exactly_like_an_unknown_one(
    api: Api, other_api: Api, method: str, suffix: str, body: Any
) -> None:
    theirs = await open_session(other_api, idle_timeout_s=600)
    foreign = await call(api, method, f"/v1/sessions/{theirs['id']}{suffix}", body)
    unknown = await call(api, method, f"/v1/sessions/{UNKNOWN_ID}{suffix}", body)
    assert_problem(foreign, 404, "session-not-found")
    assert comparable(foreign, theirs["id"]) == comparable(unknown, UNKNOWN_ID)
    assert await get_session(other_api, theirs["id"]) == theirs
    assert await list_events(other_api, theirs["id"]) == []


async def test_listing_shows_only_the_callers_own_sessions(api: Api, other_api: Api) -> None:
    mine = await open_session(api, subject={"kind": "user", "id": "shared"})
    await open_session(other_api, subject={"kind": "user", "id": "shared"})
    await open_session(other_api, subject={"kind": "user", "id": "theirs"})
    assert [s["id"] for s in await list_sessions(api)] == [mine["id"]]
    assert [s["id"] for s in await list_sessions(api, subject_id="theirs")] == []
    assert len(await list_sessions(other_api)) == 2


async def test_closing_a_subjects_sessions_never_reaches_another_tenant(
    api: Api, other_api: Api
) -> None:
    theirs = await open_session(other_api, subject={"kind": "user", "id": "shared"})
    mine = await open_session(api, subject={"kind": "user", "id": "shared"})
    response = await api.client.post("/v1/subjects/user/shared/sessions/close", headers=api.headers)
    assert response.status_code == 200, response.text
    assert [s["id"] for s in json_object(response)["closed"]] == [mine["id"]]
    assert (await get_session(other_api, theirs["id"]))["status"] == "active"


async def test_superseding_never_closes_another_tenants_session(api: Api, other_api: Api) -> None:
    theirs = await open_session(other_api, scope="game")
    await open_session(api, scope="game", supersede=True)
    assert (await get_session(other_api, theirs["id"]))["status"] == "active"
    assert (await append(other_api, theirs["id"], {"type": "still-open"})).status_code == 201


async def test_another_tenants_subject_and_credential_answer_404(api: Api, other_api: Api) -> None:
    await open_session(other_api, subject={"kind": "device", "id": "d9"})
    subject = await api.client.get("/v1/subjects/device/d9", headers=api.headers)
    assert_problem(subject, 404)
    assert json_object(await api.client.get("/v1/subjects", headers=api.headers))["items"] == []
    issued = await other_api.client.post(
        "/v1/credentials", json={"scopes": ["sessions:read"]}, headers=other_api.headers
    )
    key_id = json_object(issued)["id"]
    revoke = await api.client.delete(f"/v1/credentials/{key_id}", headers=api.headers)
    unknown = await api.client.delete("/v1/credentials/key_unknown", headers=api.headers)
    assert_problem(revoke, 404)
    assert comparable(revoke, key_id) == comparable(unknown, "key_unknown")
    secret_headers = {"Authorization": f"Bearer {json_object(issued)['secret']}"}
    still = await other_api.client.get("/v1/sessions", headers=secret_headers)
    assert still.status_code == 200
    own_ids = [
        c["id"] for c in (await api.client.get("/v1/credentials", headers=api.headers)).json()
    ]
    assert key_id not in own_ids


async def test_usage_counts_only_the_callers_tenant(api: Api, other_api: Api) -> None:
    for _ in range(3):
        await open_session(other_api)
    await open_session(api)
    usage = json_object(await api.client.get("/v1/usage", headers=api.headers))
    assert usage["tenant"] == api.tenant.name
    assert usage["totals"]["opened"] == 1
