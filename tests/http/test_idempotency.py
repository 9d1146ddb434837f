"""Idempotency-Key on every /v1 POST: same key + same body replays, another body is a 409."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from sessionary.bootstrap import Container
from sessionary.domain.errors import StorageUnavailable
from sessionary.domain.model import Tenant
from sessionary.storage.tables import idempotency
from tests.conftest import Api, key_headers

from .helpers import assert_problem, get_session, json_object, list_events, list_sessions

OPEN_BODY = {"subject": {"kind": "user", "id": "u1"}, "scope": "game"}


async def post(api: Api, url: str, body: Any, key: str, **extra: str) -> httpx.Response:
    headers = {**api.headers, "Idempotency-Key": key, **extra}
    return await api.client.post(url, json=body, headers=headers)


async def post_bytes(api: Api, url: str, body: bytes, key: str) -> httpx.Response:
    headers = {**api.headers, "Idempotency-Key": key, "Content-Type": "application/json"}
    return await api.client.post(url, content=body, headers=headers)


async def test_a_retried_open_replays_the_identical_body_and_opens_one_session(api: Api) -> None:
    first = await post(api, "/v1/sessions", OPEN_BODY, "open-1")
    second = await post(api, "/v1/sessions", OPEN_BODY, "open-1")
    assert first.status_code == second.status_code == 201
    assert second.content == first.content
    assert second.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert second.headers["content-type"].startswith("application/json")
    assert [s["id"] for s in await list_sessions(api)] == [first.json()["id"]]


async def test_the_same_key_with_another_body_is_a_409_and_changes_nothing(api: Api) -> None:
    first = await post(api, "/v1/sessions", OPEN_BODY, "open-2")
    other = {**OPEN_BODY, "scope": "lobby"}
    conflict = await post(api, "/v1/sessions", other, "open-2")
    assert_problem(conflict, 409, "idempotency-key-reused")
    assert [s["id"] for s in await list_sessions(api)] == [first.json()["id"]]


async def test_the_same_key_on_another_path_is_a_409(api: Api) -> None:
    opened = await post(api, "/v1/sessions", OPEN_BODY, "shared-key")
    sid = opened.json()["id"]
    close = await post(api, f"/v1/sessions/{sid}/close", {}, "shared-key")
    assert_problem(close, 409, "idempotency-key-reused")
    assert (await get_session(api, sid))["status"] == "active"


async def test_keys_are_scoped_to_the_credential(
    api: Api, other_api: Api, container: Container, tenant: Tenant
) -> None:
    mine = await post(api, "/v1/sessions", OPEN_BODY, "k")
    second_key = Api(api.client, await key_headers(container, tenant.pk), tenant)
    colleague = await post(second_key, "/v1/sessions", OPEN_BODY, "k")
    theirs = await post(other_api, "/v1/sessions", OPEN_BODY, "k")
    for response in (mine, colleague, theirs):
        assert response.status_code == 201, response.text
        assert "idempotent-replayed" not in response.headers
    assert len({mine.json()["id"], colleague.json()["id"], theirs.json()["id"]}) == 3
    assert len(await list_sessions(api)) == 2
    assert [s["id"] for s in await list_sessions(other_api)] == [theirs.json()["id"]]


async def test_the_same_document_in_another_key_order_and_spacing_replays(api: Api) -> None:
    compact = b'{"subject":{"kind":"user","id":"u1"},"scope":"game"}'
    spaced = b'{ "scope" : "game",\n  "subject": {"id": "u1", "kind": "user"} }\n'
    first = await post_bytes(api, "/v1/sessions", compact, "doc-1")
    again = await post_bytes(api, "/v1/sessions", spaced, "doc-1")
    assert first.status_code == again.status_code == 201, again.text
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    assert [s["id"] for s in await list_sessions(api)] == [first.json()["id"]]


async def test_a_retry_while_the_first_runs_hears_in_progress_and_when_to_retry(
    api: Api, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    running, finish = asyncio.Event(), asyncio.Event()
    open_session = container.sessions.open

    async def slow_open(*args: Any, **kwargs: Any) -> Any:
        running.set()
        await finish.wait()
        return await open_session(*args, **kwargs)

    monkeypatch.setattr(container.sessions, "open", slow_open)
    first = asyncio.create_task(post(api, "/v1/sessions", OPEN_BODY, "slow-1"))
    await running.wait()
    busy = await post(api, "/v1/sessions", OPEN_BODY, "slow-1")
    finish.set()
    assert (await first).status_code == 201
    body = assert_problem(busy, 409, "idempotency-key-in-progress")
    assert busy.headers["retry-after"] == "1" and body["retry_after"] == 1
    assert body["request_id"] == busy.headers["x-request-id"]


async def test_the_idempotency_errors_carry_the_request_id(api: Api) -> None:
    await post(api, "/v1/sessions", OPEN_BODY, "rid-1")
    reused = await post(api, "/v1/sessions", {**OPEN_BODY, "scope": "lobby"}, "rid-1")
    invalid = await post(api, "/v1/sessions", OPEN_BODY, "x" * 201)
    for response, status, code in (
        (reused, 409, "idempotency-key-reused"),
        (invalid, 400, "invalid-idempotency-key"),
    ):
        body = assert_problem(response, status, code)
        assert body["request_id"] == response.headers["x-request-id"]
        assert "retry-after" not in response.headers


async def test_a_retried_close_replays_200_instead_of_409(api: Api) -> None:
    opened = await post(api, "/v1/sessions", OPEN_BODY, "open-3")
    sid = opened.json()["id"]
    first = await post(api, f"/v1/sessions/{sid}/close", None, "close-3")
    again = await post(api, f"/v1/sessions/{sid}/close", None, "close-3")
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert json_object(again)["status"] == "closed"
    fresh = await api.client.post(f"/v1/sessions/{sid}/close", headers=api.headers)
    assert_problem(fresh, 409, "session-not-active")


async def test_a_retried_event_batch_is_stored_once(api: Api) -> None:
    opened = await post(api, "/v1/sessions", OPEN_BODY, "open-4")
    sid = opened.json()["id"]
    batch = {"events": [{"type": "bet", "payload": {"amount": 5}}, {"type": "win"}]}
    first = await post(api, f"/v1/sessions/{sid}/events", batch, "batch-4")
    again = await post(api, f"/v1/sessions/{sid}/events", batch, "batch-4")
    assert first.status_code == again.status_code == 201
    assert json_object(again) == {"accepted": 2, "duplicates": [], "first_seq": 1, "last_seq": 2}
    assert again.content == first.content
    assert [e["type"] for e in await list_events(api, sid)] == ["bet", "win"]


async def test_a_client_error_is_replayed_as_the_same_problem(api: Api) -> None:
    bad = {"subject": {"kind": "user", "id": "u1"}, "metered": "yes"}
    first = await post(api, "/v1/sessions", bad, "bad-5")
    again = await post(api, "/v1/sessions", bad, "bad-5")
    assert_problem(first, 422, "invalid-input")
    assert_problem(again, 422, "invalid-input")
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    assert await list_sessions(api) == []


async def test_an_unauthenticated_or_forbidden_attempt_does_not_burn_the_key(
    api: Api, container: Container, tenant: Tenant
) -> None:
    denied = await api.client.post(
        "/v1/sessions", json=OPEN_BODY, headers={"Idempotency-Key": "k6"}
    )
    assert_problem(denied, 401, "unauthenticated")
    reader = Api(api.client, await key_headers(container, tenant.pk, "sessions:read"), tenant)
    assert_problem(await post(reader, "/v1/sessions", OPEN_BODY, "k6"), 403, "forbidden")
    assert await list_sessions(api) == []
    created = await post(api, "/v1/sessions", OPEN_BODY, "k6")
    assert created.status_code == 201, created.text
    assert "idempotent-replayed" not in created.headers


async def test_an_empty_or_overlong_key_is_a_400_and_changes_nothing(api: Api) -> None:
    for key in ("", "x" * 201):
        response = await post(api, "/v1/sessions", OPEN_BODY, key)
        assert_problem(response, 400, "invalid-idempotency-key")
    assert await list_sessions(api) == []


async def test_requests_without_a_key_are_not_deduplicated(api: Api) -> None:
    for _ in range(2):
        response = await api.client.post("/v1/sessions", json=OPEN_BODY, headers=api.headers)
        assert response.status_code == 201
    assert len(await list_sessions(api)) == 2


async def test_concurrent_retries_with_one_key_open_one_session_and_the_rest_hear_in_progress(
    api: Api,
) -> None:
    responses = await asyncio.gather(
        *(post(api, "/v1/sessions", OPEN_BODY, "race-7") for _ in range(8))
    )
    created = [r for r in responses if r.status_code == 201]
    assert created, [r.text for r in responses]
    assert len({r.content for r in created}) == 1
    for response in responses:
        if response.status_code != 201:
            assert_problem(response, 409, "idempotency-key-in-progress")
    assert [s["id"] for s in await list_sessions(api)] == [created[0].json()["id"]]


async def test_a_stored_response_that_carries_a_secret_is_not_kept_in_clear(
    client: httpx.AsyncClient, container: Container, tenant: Tenant
) -> None:
    headers = {
        **await key_headers(container, tenant.pk, "admin"),
        "Idempotency-Key": "new-key-1",
    }
    first = await client.post(
        "/v1/credentials", json={"scopes": ["sessions:read"]}, headers=headers
    )
    again = await client.post(
        "/v1/credentials", json={"scopes": ["sessions:read"]}, headers=headers
    )
    assert first.status_code == again.status_code == 201
    assert again.json()["secret"] == first.json()["secret"]
    assert again.headers["idempotent-replayed"] == "true"
    async with container.database.unit_of_work(write=False) as uow:
        rows = await uow.idempotency._ex.execute(select(idempotency.c.body))
        bodies = [bytes(r.body) for r in rows]
        await uow.commit()
    assert bodies and all(first.json()["secret"].encode() not in b for b in bodies)


async def test_a_failure_while_claiming_the_key_is_a_problem_with_the_request_id(
    api: Api, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def unavailable(*args: Any) -> Any:
        raise StorageUnavailable("database is locked")

    monkeypatch.setattr(container.idempotency, "begin", unavailable)
    response = await post(api, "/v1/sessions", OPEN_BODY, "down-1")
    body = assert_problem(response, 503, "storage-unavailable")
    assert body["request_id"] == response.headers["x-request-id"]
