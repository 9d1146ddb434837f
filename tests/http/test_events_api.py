"""/v1 events: atomic batches of up to 5,000, dedupe keys, reading by range and cursor."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api

from .helpers import (
    append,
    assert_problem,
    get_session,
    json_object,
    list_events,
    open_session,
)


async def test_a_batch_gets_gap_free_sequence_numbers(api: Api) -> None:
    s = await open_session(api)
    first = await append(api, s["id"], {"type": "a"}, {"type": "b"}, {"type": "c"})
    assert first.status_code == 201
    assert json_object(first) == {"accepted": 3, "duplicates": [], "first_seq": 1, "last_seq": 3}
    second = await append(api, s["id"], {"type": "d"})
    assert json_object(second) == {"accepted": 1, "duplicates": [], "first_seq": 4, "last_seq": 4}
    events = await list_events(api, s["id"])
    assert [(e["seq"], e["type"]) for e in events] == [(1, "a"), (2, "b"), (3, "c"), (4, "d")]
    assert (await get_session(api, s["id"]))["event_count"] == 4


async def test_events_keep_their_payload_dedupe_key_and_times(api: Api) -> None:
    s = await open_session(api)
    event = {
        "type": "bet",
        "payload": {"amount": 5, "currency": "EUR", "lines": [1, 2]},
        "dedupe_key": "round-1",
        "occurred_at": "2024-01-02T05:04:05.123+02:00",
    }
    assert (await append(api, s["id"], event, {"type": "plain"})).status_code == 201
    first, plain = await list_events(api, s["id"])
    assert first["payload"] == event["payload"]
    assert first["dedupe_key"] == "round-1"
    assert first["occurred_at"] == "2024-01-02T03:04:05.123Z"
    assert first["recorded_at"].endswith("Z")
    assert (plain["payload"], plain["dedupe_key"]) == ({}, None)
    assert plain["occurred_at"] == plain["recorded_at"]


async def test_duplicate_keys_are_reported_and_stored_once(api: Api) -> None:
    s = await open_session(api)
    await append(api, s["id"], {"type": "a", "dedupe_key": "k1"})
    again = await append(
        api, s["id"], {"type": "a", "dedupe_key": "k1"}, {"type": "b", "dedupe_key": "k2"}
    )
    assert json_object(again) == {
        "accepted": 1,
        "duplicates": ["k1"],
        "first_seq": 2,
        "last_seq": 2,
    }
    only_dupes = await append(api, s["id"], {"type": "a", "dedupe_key": "k2"})
    assert json_object(only_dupes) == {
        "accepted": 0,
        "duplicates": ["k2"],
        "first_seq": None,
        "last_seq": 2,
    }
    assert [e["dedupe_key"] for e in await list_events(api, s["id"])] == ["k1", "k2"]


async def test_a_batch_of_5000_is_accepted(api: Api) -> None:
    s = await open_session(api)
    response = await append(api, s["id"], *({"type": "tick"} for _ in range(5000)))
    assert response.status_code == 201, response.text
    assert json_object(response)["last_seq"] == 5000
    assert (await get_session(api, s["id"]))["event_count"] == 5000


async def test_a_batch_of_5001_is_rejected_and_stores_nothing(api: Api) -> None:
    s = await open_session(api)
    response = await append(api, s["id"], *({"type": "tick"} for _ in range(5001)))
    body = assert_problem(response, 422, "invalid-input")
    assert body["field"] == "events"
    assert await list_events(api, s["id"]) == []
    assert (await get_session(api, s["id"]))["event_count"] == 0


@pytest.mark.parametrize(
    "bad",
    [
        {"type": ""},
        {"type": 7},
        {"type": "x", "payload": "text"},
        {"type": "x", "occurred_at": "yesterday"},
        {"type": "x", "dedupe_key": ""},
        {"type": "x", "colour": "red"},
        {"payload": {}},
    ],
)
async def test_one_bad_event_rejects_the_whole_batch(api: Api, bad: dict[str, Any]) -> None:
    s = await open_session(api)
    response = await append(api, s["id"], {"type": "good"}, bad, {"type": "good"})
    assert_problem(response, 422, "invalid-input")
    assert await list_events(api, s["id"]) == []
    assert (await get_session(api, s["id"]))["last_activity_at"] == s["last_activity_at"]


@pytest.mark.parametrize("body", [{"events": []}, {}, {"events": {"type": "a"}}, []])
async def test_a_batch_without_events_is_rejected(api: Api, body: Any) -> None:
    s = await open_session(api)
    response = await api.client.post(
        f"/v1/sessions/{s['id']}/events", json=body, headers=api.headers
    )
    assert_problem(response, 422, "invalid-input")
    assert await list_events(api, s["id"]) == []


async def test_reading_honours_the_sequence_range_and_pages_by_cursor(api: Api) -> None:
    s = await open_session(api)
    await append(api, s["id"], *({"type": f"t{i}"} for i in range(1, 11)))
    assert [e["seq"] for e in await list_events(api, s["id"], from_seq=4, to_seq=6)] == [4, 5, 6]
    url = f"/v1/sessions/{s['id']}/events"
    seen: list[int] = []
    params: dict[str, str | int] = {"from_seq": 2, "to_seq": 9, "limit": 3}
    while True:
        page = json_object(await api.client.get(url, params=params, headers=api.headers))
        seen += [e["seq"] for e in page["items"]]
        if page["next_cursor"] is None:
            break
        params = {**params, "cursor": page["next_cursor"]}
    assert seen == list(range(2, 10))


async def test_a_closed_sessions_events_stay_readable_but_no_more_are_accepted(
    api: Api,
) -> None:
    s = await open_session(api)
    await append(api, s["id"], {"type": "a", "payload": {"n": 1}})
    await api.client.post(f"/v1/sessions/{s['id']}/close", headers=api.headers)
    late = assert_problem(await append(api, s["id"], {"type": "b"}), 409, "session-not-active")
    assert late["session_status"] == "closed"
    events = await list_events(api, s["id"])
    assert [(e["seq"], e["type"], e["payload"]) for e in events] == [(1, "a", {"n": 1})]


async def test_events_of_an_unknown_or_deleted_session_answer_404(api: Api) -> None:
    s = await open_session(api)
    await api.client.delete(f"/v1/sessions/{s['id']}", headers=api.headers)
    for sid in (s["id"], "ses_unknown"):
        assert_problem(await append(api, sid, {"type": "a"}), 404, "session-not-found")
        read = await api.client.get(f"/v1/sessions/{sid}/events", headers=api.headers)
        assert_problem(read, 404, "session-not-found")


async def test_a_malformed_batch_is_a_400_and_appends_nothing(api: Api) -> None:
    s = await open_session(api)
    response = await api.client.post(
        f"/v1/sessions/{s['id']}/events",
        content=b'{"events": [{"type": "a"}, {"type": ',
        headers={**api.headers, "Content-Type": "application/json"},
    )
    assert_problem(response, 400, "malformed-json")
    assert await list_events(api, s["id"]) == []
