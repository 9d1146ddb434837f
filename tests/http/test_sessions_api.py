"""/v1 sessions: open, get, list (filters, cursor), extend, close, delete, close-for-subject."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from tests.conftest import Api
from tests.support import FakeClock

from .helpers import (
    append,
    assert_problem,
    get_session,
    json_object,
    list_events,
    list_sessions,
    open_session,
)


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def seconds(later: str, earlier: str) -> float:
    return (at(later) - at(earlier)).total_seconds()


async def test_open_with_every_field_answers_201_with_the_session(api: Api) -> None:
    body = {
        "subject": {"kind": "player", "id": "p-1"},
        "scope": "slots",
        "alias": "table 3",
        "idle_timeout_s": 300,
        "max_lifetime_s": 3600,
        "metered": False,
        "state": {"level": 3, "tags": ["vip"]},
        "supersede": False,
    }
    response = await api.client.post("/v1/sessions", json=body, headers=api.headers)
    assert response.status_code == 201, response.text
    s = json_object(response)
    assert re.fullmatch(r"ses_[0-9a-z]{26}", s["id"])
    assert s["subject"] == {"kind": "player", "id": "p-1"}
    expected = {"scope": "slots", "alias": "table 3", "status": "active", "metered": False}
    assert {k: s[k] for k in expected} == expected
    assert (s["idle_timeout_s"], s["max_lifetime_s"]) == (300, 3600)
    assert s["state"] == {"level": 3, "tags": ["vip"]}
    assert seconds(s["expires_at"], s["opened_at"]) == 300
    assert (s["closed_at"], s["close_reason"], s["billed_minutes"], s["event_count"]) == (
        None,
        None,
        0,
        0,
    )
    assert await get_session(api, s["id"]) == s


async def test_open_with_only_a_subject_uses_the_defaults(api: Api) -> None:
    s = await open_session(api)
    assert (s["scope"], s["alias"], s["expires_at"], s["state"]) == (None, None, None, {})
    assert s["metered"] is True
    assert s["dialect"] == "native"


async def test_listing_is_newest_first_and_pages_by_cursor(api: Api) -> None:
    opened = [(await open_session(api))["id"] for _ in range(5)]
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, str | int] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = json_object(await api.client.get("/v1/sessions", params=params, headers=api.headers))
        seen += [s["id"] for s in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(opened))
    assert pages == 3


async def test_listing_filters_by_status_subject_scope_and_opened_range(
    api: Api, clock: FakeClock
) -> None:
    early = await open_session(api, subject={"kind": "user", "id": "a"}, scope="game")
    clock.advance(3600)
    late = await open_session(api, subject={"kind": "device", "id": "b"}, scope="lobby")
    closed = await open_session(api, subject={"kind": "user", "id": "c"}, scope="game")
    await api.client.post(f"/v1/sessions/{closed['id']}/close", headers=api.headers)
    middle = (at(early["opened_at"]) + timedelta(minutes=30)).isoformat()

    async def ids(**params: str) -> list[str]:
        return [s["id"] for s in await list_sessions(api, **params)]

    assert await ids(status="active") == [late["id"], early["id"]]
    assert await ids(status="closed") == [closed["id"]]
    assert await ids(subject_kind="user") == [closed["id"], early["id"]]
    assert await ids(subject_kind="user", subject_id="a") == [early["id"]]
    assert await ids(scope="lobby") == [late["id"]]
    assert await ids(opened_from=middle) == [closed["id"], late["id"]]
    assert await ids(opened_to=middle) == [early["id"]]


async def test_extend_sets_expiry_to_now_plus_ttl_capped_by_the_lifetime(
    api: Api, clock: FakeClock
) -> None:
    s = await open_session(api, idle_timeout_s=60, max_lifetime_s=600)
    clock.advance(30)
    url = f"/v1/sessions/{s['id']}/extend"
    extended = json_object(await api.client.post(url, json={"ttl_s": 120}, headers=api.headers))
    assert seconds(extended["expires_at"], s["opened_at"]) == 150
    assert extended["version"] == s["version"] + 1
    by_idle = json_object(await api.client.post(url, headers=api.headers))
    assert seconds(by_idle["expires_at"], s["opened_at"]) == 90
    capped = json_object(await api.client.post(url, json={"ttl_s": 9999}, headers=api.headers))
    assert seconds(capped["expires_at"], s["opened_at"]) == 600
    assert (await get_session(api, s["id"]))["expires_at"] == capped["expires_at"]


async def test_extend_needs_a_ttl_when_the_session_has_no_idle_timeout(api: Api) -> None:
    s = await open_session(api)
    response = await api.client.post(f"/v1/sessions/{s['id']}/extend", headers=api.headers)
    assert_problem(response, 422, "invalid-input")
    assert await get_session(api, s["id"]) == s


async def test_close_answers_the_session_once_then_409(api: Api) -> None:
    s = await open_session(api)
    url = f"/v1/sessions/{s['id']}/close"
    closed = await api.client.post(url, headers=api.headers)
    assert closed.status_code == 200, closed.text
    body = json_object(closed)
    assert (body["id"], body["status"], body["close_reason"]) == (s["id"], "closed", "client")
    assert body["closed_at"] is not None
    again = assert_problem(await api.client.post(url, headers=api.headers), 409)
    assert again["type"].endswith("session-not-active")
    assert again["session_status"] == "closed"
    assert await get_session(api, s["id"]) == body
    extend = await api.client.post(
        f"/v1/sessions/{s['id']}/extend", json={"ttl_s": 5}, headers=api.headers
    )
    assert_problem(extend, 409, "session-not-active")


async def test_an_admin_close_records_the_admin_reason(api: Api) -> None:
    s = await open_session(api)
    response = await api.client.post(
        f"/v1/sessions/{s['id']}/close", json={"reason": "admin"}, headers=api.headers
    )
    assert json_object(response)["close_reason"] == "admin"


async def test_delete_answers_200_then_the_session_is_gone(api: Api) -> None:
    s = await open_session(api)
    assert (await append(api, s["id"], {"type": "a"})).status_code == 201
    url = f"/v1/sessions/{s['id']}"
    deleted = await api.client.delete(url, headers=api.headers)
    assert deleted.status_code == 200, deleted.text
    assert (json_object(deleted)["status"], json_object(deleted)["close_reason"]) == (
        "deleted",
        "deleted",
    )
    assert_problem(await api.client.get(url, headers=api.headers), 404, "session-not-found")
    assert_problem(await api.client.delete(url, headers=api.headers), 404, "session-not-found")
    events = await api.client.get(f"{url}/events", headers=api.headers)
    assert_problem(events, 404, "session-not-found")
    assert_problem(await api.client.post(f"{url}/close", headers=api.headers), 404)


async def test_a_deleted_session_is_not_listed(api: Api) -> None:
    kept = await open_session(api)
    gone = await open_session(api)
    await api.client.delete(f"/v1/sessions/{gone['id']}", headers=api.headers)
    assert [s["id"] for s in await list_sessions(api)] == [kept["id"]]


async def test_closing_a_subjects_sessions_closes_only_its_live_ones(api: Api) -> None:
    a = await open_session(api, scope="a")
    b = await open_session(api, scope="b")
    other = await open_session(api, subject={"kind": "user", "id": "u2"}, scope="a")
    url = "/v1/subjects/user/u1/sessions/close"
    first = json_object(await api.client.post(url, json={"scope": "a"}, headers=api.headers))
    assert [(s["id"], s["close_reason"]) for s in first["closed"]] == [(a["id"], "subject_closed")]
    rest = json_object(await api.client.post(url, headers=api.headers))
    assert [s["id"] for s in rest["closed"]] == [b["id"]]
    assert json_object(await api.client.post(url, headers=api.headers)) == {"closed": []}
    assert (await get_session(api, other["id"]))["status"] == "active"
    assert (await get_session(api, b["id"]))["status"] == "closed"


async def test_closing_an_unknown_subjects_sessions_closes_nothing(api: Api) -> None:
    response = await api.client.post("/v1/subjects/user/nobody/sessions/close", headers=api.headers)
    assert response.status_code == 200
    assert json_object(response) == {"closed": []}


async def test_supersede_closes_the_subjects_other_session_in_the_same_scope(
    api: Api, clock: FakeClock
) -> None:
    old = await open_session(api, scope="game")
    lobby = await open_session(api, scope="lobby")
    kept = await open_session(api, scope="game")
    clock.advance(90)
    new = await open_session(api, scope="game", supersede=True)
    for s in (old, kept):
        after = await get_session(api, s["id"])
        assert (after["status"], after["close_reason"]) == ("closed", "superseded")
        assert after["closed_at"] == new["opened_at"]
        assert after["billed_minutes"] == 2
    assert (await get_session(api, lobby["id"]))["status"] == "active"
    assert new["status"] == "active"
    assert_problem(await append(api, old["id"], {"type": "late"}), 409, "session-not-active")
    assert await list_events(api, old["id"]) == []


async def test_without_supersede_sessions_of_one_subject_coexist(api: Api) -> None:
    first = await open_session(api, scope="game")
    await open_session(api, scope="game")
    assert (await get_session(api, first["id"]))["status"] == "active"
