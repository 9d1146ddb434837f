"""A lifecycle record reads the same in a webhook body and on GET /v1/events: every instant in
the one format of /v1 session bodies (``occurred_at`` and the times inside ``data``), and an
ending record's ``data`` says what GET says of the session."""

from __future__ import annotations

import json
from typing import Any

from sessionary.bootstrap import Container
from sessionary.domain.model import LifecycleRecord
from sessionary.domain.webhooks import Webhook
from sessionary.http.native.stream import message
from sessionary.services.webhook_delivery import payload
from tests.conftest import Api
from tests.http.helpers import get_session, json_object, open_session
from tests.support import FakeClock

HOOK = Webhook(1, "wh_test", 1, "https://receiver.example/hook", [], "", True, (0, 0), 0)
JsonObject = dict[str, Any]


def webhook_body(record: LifecycleRecord) -> JsonObject:
    body: JsonObject = json.loads(payload(record, HOOK))
    assert body.pop("webhook_id") == HOOK.id
    return body


def stream_body(record: LifecycleRecord) -> JsonObject:
    data_line = message(record).decode().split("\n")[2]
    body: JsonObject = json.loads(data_line.removeprefix("data: "))
    return body


async def _bodies(container: Container, api: Api) -> dict[str, JsonObject]:
    """Each record by type, after checking the webhook body and the stream agree on it."""
    out = {}
    for record in await container.stream.page(api.tenant.pk, (-1, 0), 50):
        assert webhook_body(record) == stream_body(record)
        out[record.type] = stream_body(record)
    return out


async def _post(api: Api, path: str, body: JsonObject | None = None) -> JsonObject:
    response = await api.client.post(path, json=body, headers=api.headers)
    assert response.status_code == 200, response.text
    return json_object(response)


async def test_a_closed_session_s_records_say_what_get_says_in_webhook_bodies_and_the_stream(
    api: Api, container: Container, clock: FakeClock
) -> None:
    s = await open_session(api, idle_timeout_s=60)
    clock.advance(20.2505)
    extended = await _post(api, f"/v1/sessions/{s['id']}/extend", {"ttl_s": 600})
    clock.advance(110.5)
    await _post(api, f"/v1/sessions/{s['id']}/close")
    got = await get_session(api, s["id"])
    bodies = await _bodies(container, api)
    assert bodies["opened"]["occurred_at"] == got["opened_at"]
    assert bodies["extended"]["occurred_at"] == extended["last_activity_at"]
    assert bodies["extended"]["data"] == {"expires_at": extended["expires_at"]}
    assert bodies["closed"]["occurred_at"] == got["closed_at"]
    ended = {"billed_minutes": got["billed_minutes"], "ended_at": got["closed_at"]}
    assert (bodies["closed"]["data"], got["billed_minutes"]) == (ended, 3)


async def test_an_expired_session_s_record_is_billed_to_its_expiry_as_get_shows_it(
    api: Api, container: Container, clock: FakeClock
) -> None:
    s = await open_session(api, idle_timeout_s=90)
    clock.advance(1000)
    assert await container.sweeper.sweep_once() == 1
    got = await get_session(api, s["id"])
    expired = (await _bodies(container, api))["expired"]
    assert expired["occurred_at"] == got["closed_at"] == got["expires_at"]
    ended = {"billed_minutes": got["billed_minutes"], "ended_at": got["closed_at"]}
    assert (expired["data"], got["billed_minutes"]) == (ended, 2)


def test_a_record_s_body_is_the_same_bytes_whatever_order_its_data_was_stored_in() -> None:
    """PostgreSQL's jsonb does not keep the order SQLite's text keeps: the body sorts keys."""
    at = 1_700_000_000_123_456
    stored = [{"ended_at": at, "billed_minutes": 3}, {"billed_minutes": 3, "ended_at": at}]
    records = [LifecycleRecord(1, 2, "ses_1", "closed", at, "client", d, id=7) for d in stored]
    first, second = (payload(r, HOOK) for r in records)
    assert first == second
    assert b'"occurred_at":"2023-11-14T22:13:20.123Z"' in first
    assert b'"data":{"billed_minutes":3,"ended_at":"2023-11-14T22:13:20.123Z"}' in first
