"""Bad requests answer problem+json 4xx and change nothing (issue 2, "done means")."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any

import pytest

from sessionary.config import Settings
from tests.conftest import Api

from .helpers import append, assert_problem, json_object, list_events, list_sessions, open_session

BODY_LIMIT = 2048


@pytest.fixture
def settings(database_url: str) -> Settings:
    """A small body limit, so a body over it is cheap to send."""
    return Settings(
        database_url=database_url,
        sweep_interval_s=0,
        environment="test",
        max_body_bytes=BODY_LIMIT,
    )


async def assert_nothing_stored(api: Api) -> None:
    assert await list_sessions(api) == []
    subjects = await api.client.get("/v1/subjects", headers=api.headers)
    assert json_object(subjects)["items"] == []


def forged_cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


async def test_malformed_json_is_a_400_problem_and_changes_nothing(api: Api) -> None:
    headers = {**api.headers, "Content-Type": "application/json"}
    for raw in (
        b'{"subject": {"kind": "user", "id": "u1"}',
        b"not json",
        b"\xff\xfe",
        b'{"subject": }',
    ):
        response = await api.client.post("/v1/sessions", content=raw, headers=headers)
        body = assert_problem(response, 400, "malformed-json")
        assert body["request_id"] == response.headers["x-request-id"]
    await assert_nothing_stored(api)


@pytest.mark.parametrize(
    "body",
    [
        {"subject": {"kind": "user", "id": "u1"}, "metered": "true"},
        {"subject": {"kind": "user", "id": "u1"}, "idle_timeout_s": "60"},
        {"subject": {"kind": "user", "id": "u1"}, "idle_timeout_s": 60.5},
        {"subject": {"kind": "user", "id": "u1"}, "supersede": 1},
        {"subject": {"kind": "user", "id": "u1"}, "state": []},
        {"subject": {"kind": "user", "id": 7}},
        {"subject": "user/u1"},
        [{"subject": {"kind": "user", "id": "u1"}}],
    ],
)
async def test_wrong_types_are_rejected_and_change_nothing(api: Api, body: Any) -> None:
    response = await api.client.post("/v1/sessions", json=body, headers=api.headers)
    assert_problem(response, 422, "invalid-input")
    await assert_nothing_stored(api)


@pytest.mark.parametrize(
    "body",
    [
        {"subject": {"kind": "user", "id": "u1"}, "idle_timeout": 60},
        {"subject": {"kind": "user", "id": "u1", "name": "Ann"}},
        {"subject": {"kind": "user", "id": "u1"}, "status": "closed"},
    ],
)
async def test_unknown_fields_are_rejected_and_change_nothing(api: Api, body: Any) -> None:
    response = await api.client.post("/v1/sessions", json=body, headers=api.headers)
    problem = assert_problem(response, 422, "invalid-input")
    assert "unknown field" in str(problem["detail"]).lower()
    await assert_nothing_stored(api)


@pytest.mark.parametrize(
    "body",
    [{}, {"scope": "game"}, {"subject": {"kind": "user"}}, {"subject": {"id": "u1"}}],
)
async def test_missing_required_fields_are_rejected_and_change_nothing(api: Api, body: Any) -> None:
    response = await api.client.post("/v1/sessions", json=body, headers=api.headers)
    problem = assert_problem(response, 422, "invalid-input")
    assert "missing required field" in str(problem["detail"]).lower()
    await assert_nothing_stored(api)


@pytest.mark.parametrize(
    "body",
    [
        {"subject": {"kind": "", "id": "u1"}},
        {"subject": {"kind": "user", "id": ""}},
        {"subject": {"kind": "us er", "id": "u1"}},
        {"subject": {"kind": "user", "id": "u1"}, "idle_timeout_s": 0},
        {"subject": {"kind": "user", "id": "u1"}, "max_lifetime_s": -5},
        {"subject": {"kind": "user", "id": "u1"}, "scope": "x" * 201},
    ],
)
async def test_out_of_range_values_are_rejected_and_change_nothing(api: Api, body: Any) -> None:
    response = await api.client.post("/v1/sessions", json=body, headers=api.headers)
    assert_problem(response, 422, "invalid-input")
    await assert_nothing_stored(api)


async def test_a_body_that_is_not_json_is_a_415_and_changes_nothing(api: Api) -> None:
    headers = {**api.headers, "Content-Type": "text/plain"}
    response = await api.client.post(
        "/v1/sessions", content=b'{"subject": {"kind": "user", "id": "u1"}}', headers=headers
    )
    assert_problem(response, 415, "unsupported-media-type")
    await assert_nothing_stored(api)


async def test_a_body_over_the_configured_limit_is_a_413_and_changes_nothing(api: Api) -> None:
    body = {"subject": {"kind": "user", "id": "u1"}, "state": {"blob": "x" * BODY_LIMIT}}
    response = await api.client.post("/v1/sessions", json=body, headers=api.headers)
    assert_problem(response, 413, "body-too-large")
    await assert_nothing_stored(api)


async def test_a_body_just_under_the_limit_is_accepted(api: Api) -> None:
    body = {"subject": {"kind": "user", "id": "u1"}, "state": {"blob": "x" * (BODY_LIMIT - 200)}}
    response = await api.client.post("/v1/sessions", json=body, headers=api.headers)
    assert response.status_code == 201, response.text
    assert len(await list_sessions(api)) == 1


async def test_a_streamed_body_over_the_limit_is_a_413_even_with_an_idempotency_key(
    api: Api,
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"subject": {"kind": "user", "id": "u1"}, "state": {"blob": "'
        for _ in range(8):
            yield b"x" * 512
        yield b'"}}'

    headers = {**api.headers, "Content-Type": "application/json", "Idempotency-Key": "big-1"}
    response = await api.client.post("/v1/sessions", content=chunks(), headers=headers)
    assert "content-length" not in response.request.headers
    assert_problem(response, 413, "body-too-large")
    await assert_nothing_stored(api)


async def test_an_event_batch_over_the_body_limit_is_a_413_and_appends_nothing(api: Api) -> None:
    session = await open_session(api)
    events = [{"type": "tick", "payload": {"n": i}} for i in range(200)]
    response = await append(api, session["id"], *events)
    assert_problem(response, 413, "body-too-large")
    assert await list_events(api, session["id"]) == []


@pytest.mark.parametrize(
    "cursor",
    [
        "not a cursor",
        "%%%",
        forged_cursor("s:abc"),
        forged_cursor("s:-1"),
        forged_cursor("e:1"),
        forged_cursor("x" * 80),
    ],
)
async def test_a_bad_session_cursor_is_a_4xx_problem(api: Api, cursor: str) -> None:
    await open_session(api)
    response = await api.client.get("/v1/sessions", params={"cursor": cursor}, headers=api.headers)
    body = assert_problem(response, 422, "invalid-input")
    assert body["field"] == "cursor"
    assert len(await list_sessions(api)) == 1


@pytest.mark.parametrize(("path", "kind"), [("/v1/sessions", "s"), ("/v1/subjects", "j")])
async def test_a_forged_cursor_past_any_integer_is_a_4xx_not_a_crash(
    api: Api, path: str, kind: str
) -> None:
    await open_session(api)
    cursor = forged_cursor(f"{kind}:{10**20}")
    response = await api.client.get(path, params={"cursor": cursor}, headers=api.headers)
    assert_problem(response, 422, "invalid-input")
    assert len(await list_sessions(api)) == 1


async def test_a_bad_event_cursor_or_range_is_a_4xx_problem(api: Api) -> None:
    session = await open_session(api)
    assert (await append(api, session["id"], {"type": "a"})).status_code == 201
    url = f"/v1/sessions/{session['id']}/events"
    for cursor in (forged_cursor("s:1"), "???"):
        response = await api.client.get(url, params={"cursor": cursor}, headers=api.headers)
        assert_problem(response, 422, "invalid-input")
    bad_params: list[dict[str, str | int]] = [
        {"from_seq": 0},
        {"to_seq": "x"},
        {"limit": 0},
        {"limit": 5001},
    ]
    for params in bad_params:
        response = await api.client.get(url, params=params, headers=api.headers)
        assert_problem(response, 400, "invalid-parameter")
    assert [e["seq"] for e in await list_events(api, session["id"])] == [1]


@pytest.mark.parametrize(
    "params",
    [{"from_seq": 10**20}, {"to_seq": 10**20}, {"cursor": forged_cursor(f"e:{10**20}")}],
    ids=["from_seq", "to_seq", "cursor"],
)
async def test_a_sequence_number_past_any_integer_is_a_4xx_not_a_crash(
    api: Api, params: dict[str, Any]
) -> None:
    session = await open_session(api)
    url = f"/v1/sessions/{session['id']}/events"
    response = await api.client.get(url, params=params, headers=api.headers)
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    assert_problem(response, response.status_code)


async def test_bad_list_filters_are_400_problems(api: Api) -> None:
    await open_session(api)
    for params in (
        {"status": "sleeping"},
        {"opened_from": "yesterday"},
        {"limit": 0},
        {"limit": 501},
    ):
        response = await api.client.get("/v1/sessions", params=params, headers=api.headers)
        assert_problem(response, 400, "invalid-parameter")


async def test_bad_extend_and_close_bodies_change_nothing(api: Api) -> None:
    session = await open_session(api, idle_timeout_s=60)
    url = f"/v1/sessions/{session['id']}"
    for action, body in (("extend", {"ttl_s": "10"}), ("close", {"reason": "superseded"})):
        response = await api.client.post(f"{url}/{action}", json=body, headers=api.headers)
        assert_problem(response, 422, "invalid-input")
    after = json_object(await api.client.get(url, headers=api.headers))
    assert after == session


async def test_an_event_type_holding_nul_is_a_422_on_both_backends(api: Api) -> None:
    session = await open_session(api)
    response = await append(api, session["id"], {"type": "t\u0000", "payload": {}})
    assert_problem(response, 422, "invalid-input")
    assert await list_events(api, session["id"]) == []


@pytest.mark.parametrize("event", [{"type": "t", "payload": {"text": "a\u0000b"}}])
async def test_an_event_holding_nul_is_a_422_on_postgresql_and_appends_nothing(
    api: Api, settings: Settings, event: dict[str, Any]
) -> None:
    """PostgreSQL cannot store U+0000 (never a 503 that tells the client to retry); SQLite
    stores the event as sent."""
    session = await open_session(api)
    response = await append(api, session["id"], event)
    if not settings.database_url.startswith("postgresql"):
        assert response.status_code == 201, response.text
        assert [e["payload"] for e in await list_events(api, session["id"])] == [event["payload"]]
        return
    assert_problem(response, 422, "invalid-input")
    assert await list_events(api, session["id"]) == []


async def test_a_subject_id_holding_nul_is_a_422_on_postgresql_and_opens_nothing(
    api: Api, settings: Settings
) -> None:
    body = {"subject": {"kind": "user", "id": "u\u0000"}}
    response = await api.client.post("/v1/sessions", json=body, headers=api.headers)
    if not settings.database_url.startswith("postgresql"):
        assert response.status_code == 201, response.text
        return
    assert_problem(response, 422, "invalid-input")
    await assert_nothing_stored(api)
