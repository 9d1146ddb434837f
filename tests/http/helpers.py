"""Small helpers shared by the /v1 HTTP tests: opening sessions, listing, reading problems."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import httpx

from tests.conftest import Api
from tests.support import FakeClock

PROBLEM_JSON = "application/problem+json"
PROBLEM_PREFIX = "urn:sessionary:problem:"
JsonObject = dict[str, Any]


def json_object(response: httpx.Response) -> JsonObject:
    body = response.json()
    assert isinstance(body, dict), response.text
    return body


def assert_problem(response: httpx.Response, status: int, code: str | None = None) -> JsonObject:
    """An RFC 9457 answer: the status, problem+json, a stable ``type``, title, detail and the
    id of the request it answers (a replay's is its first request's)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON), response.headers
    body = json_object(response)
    assert body["status"] == status
    assert str(body["type"]).startswith(PROBLEM_PREFIX)
    assert body["title"]
    assert body["detail"]
    assert isinstance(body.get("request_id"), str) and body["request_id"], body
    if code is not None:
        assert body["type"] == PROBLEM_PREFIX + code, body
    return body


async def open_session(api: Api, **fields: Any) -> JsonObject:
    """Open a session for ``user/u1`` unless ``subject`` is given; fields go into the body."""
    body: JsonObject = {"subject": {"kind": "user", "id": "u1"}, **fields}
    response = await api.client.post("/v1/sessions", json=body, headers=api.headers)
    assert response.status_code == 201, response.text
    return json_object(response)


async def get_session(api: Api, session_id: str) -> JsonObject:
    response = await api.client.get(f"/v1/sessions/{session_id}", headers=api.headers)
    assert response.status_code == 200, response.text
    return json_object(response)


async def list_sessions(api: Api, **params: str | int) -> list[JsonObject]:
    response = await api.client.get("/v1/sessions", params=params, headers=api.headers)
    assert response.status_code == 200, response.text
    items = json_object(response)["items"]
    assert isinstance(items, list)
    return items


async def list_events(api: Api, session_id: str, **params: str | int) -> list[JsonObject]:
    response = await api.client.get(
        f"/v1/sessions/{session_id}/events", params=params, headers=api.headers
    )
    assert response.status_code == 200, response.text
    items = json_object(response)["items"]
    assert isinstance(items, list)
    return items


async def append(api: Api, session_id: str, *events: JsonObject) -> httpx.Response:
    return await api.client.post(
        f"/v1/sessions/{session_id}/events", json={"events": list(events)}, headers=api.headers
    )


def clock_date(clock: FakeClock) -> date:
    return datetime.fromtimestamp(clock.now() / 1_000_000, tz=UTC).date()


def without(body: JsonObject, *keys: str) -> JsonObject:
    return {k: v for k, v in body.items() if k not in keys}
