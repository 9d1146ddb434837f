"""Rule 4 (expiry is exact without a sweeper) and rule 5 (billed minutes) seen over HTTP.

The ``settings`` fixture runs no sweeper (``sweep_interval_s=0``), so every expiry seen here is
the one computed on read and write."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.conftest import Api
from tests.support import FakeClock

from .helpers import append, assert_problem, get_session, list_events, list_sessions, open_session


def seconds(later: str, earlier: str) -> float:
    return (datetime.fromisoformat(later) - datetime.fromisoformat(earlier)).total_seconds()


async def test_an_idle_session_reads_as_expired_without_the_sweeper(
    api: Api, clock: FakeClock
) -> None:
    s = await open_session(api, idle_timeout_s=60)
    assert (await append(api, s["id"], {"type": "early"})).status_code == 201
    clock.advance(61)
    after = await get_session(api, s["id"])
    assert after["status"] == "expired"
    assert after["close_reason"] == "idle_timeout"
    assert after["closed_at"] == after["expires_at"]
    assert seconds(after["closed_at"], s["opened_at"]) == 60
    assert after["billed_minutes"] == 1
    assert [e["type"] for e in await list_events(api, s["id"])] == ["early"]


async def test_writes_to_an_expired_session_answer_409_and_store_nothing(
    api: Api, clock: FakeClock
) -> None:
    s = await open_session(api, idle_timeout_s=60)
    clock.advance(61)
    late = assert_problem(await append(api, s["id"], {"type": "late"}), 409, "session-not-active")
    assert late["session_status"] == "expired"
    url = f"/v1/sessions/{s['id']}"
    close = await api.client.post(f"{url}/close", headers=api.headers)
    assert_problem(close, 409, "session-not-active")
    extend = await api.client.post(f"{url}/extend", json={"ttl_s": 600}, headers=api.headers)
    assert_problem(extend, 409, "session-not-active")
    after = await get_session(api, s["id"])
    assert (after["status"], after["close_reason"], after["event_count"]) == (
        "expired",
        "idle_timeout",
        0,
    )
    assert after["closed_at"] == s["expires_at"]
    assert await list_events(api, s["id"]) == []


async def test_listing_filters_on_the_effective_status(api: Api, clock: FakeClock) -> None:
    due = await open_session(api, idle_timeout_s=60)
    live = await open_session(api, idle_timeout_s=600)
    clock.advance(61)
    assert [s["id"] for s in await list_sessions(api, status="expired")] == [due["id"]]
    assert [s["id"] for s in await list_sessions(api, status="active")] == [live["id"]]
    listed = {s["id"]: s["status"] for s in await list_sessions(api)}
    assert listed == {due["id"]: "expired", live["id"]: "active"}


async def test_activity_pushes_the_idle_expiry_forward(api: Api, clock: FakeClock) -> None:
    s = await open_session(api, idle_timeout_s=60)
    clock.advance(50)
    assert (await append(api, s["id"], {"type": "ping"})).status_code == 201
    clock.advance(50)
    after = await get_session(api, s["id"])
    assert after["status"] == "active"
    assert seconds(after["expires_at"], s["opened_at"]) == 110


async def test_the_absolute_lifetime_wins_over_activity(api: Api, clock: FakeClock) -> None:
    s = await open_session(api, idle_timeout_s=60, max_lifetime_s=120)
    statuses = []
    for _ in range(3):
        clock.advance(45)
        statuses.append((await append(api, s["id"], {"type": "ping"})).status_code)
    assert statuses == [201, 201, 409]
    after = await get_session(api, s["id"])
    assert (after["status"], after["close_reason"]) == ("expired", "max_lifetime")
    assert seconds(after["closed_at"], s["opened_at"]) == 120
    assert after["billed_minutes"] == 2
    assert after["event_count"] == 2


@pytest.mark.parametrize(
    ("elapsed", "metered", "minutes"),
    [(0, True, 0), (1, True, 1), (60, True, 1), (61, True, 2), (3600, True, 60), (61, False, 0)],
)
async def test_close_bills_ceil_of_active_minutes_only_when_metered(
    api: Api, clock: FakeClock, elapsed: int, metered: bool, minutes: int
) -> None:
    s = await open_session(api, metered=metered)
    clock.advance(elapsed)
    closed = await api.client.post(f"/v1/sessions/{s['id']}/close", headers=api.headers)
    assert closed.json()["billed_minutes"] == minutes
    clock.advance(3600)
    assert (await get_session(api, s["id"]))["billed_minutes"] == minutes


async def test_an_active_session_is_billed_up_to_now(api: Api, clock: FakeClock) -> None:
    metered = await open_session(api)
    unmetered = await open_session(api, metered=False)
    clock.advance(90)
    assert (await get_session(api, metered["id"]))["billed_minutes"] == 2
    assert (await get_session(api, unmetered["id"]))["billed_minutes"] == 0


async def test_delete_stops_the_meter(api: Api, clock: FakeClock) -> None:
    s = await open_session(api)
    clock.advance(150)
    deleted = await api.client.delete(f"/v1/sessions/{s['id']}", headers=api.headers)
    body = deleted.json()
    assert (body["status"], body["billed_minutes"]) == ("deleted", 3)
    assert seconds(body["closed_at"], s["opened_at"]) == 150


async def test_the_tenant_policy_supplies_the_idle_timeout(api: Api, clock: FakeClock) -> None:
    policy = await api.client.put(
        "/v1/tenant/policy", json={"idle_timeout_s": 120}, headers=api.headers
    )
    assert policy.status_code == 200, policy.text
    s = await open_session(api)
    assert s["idle_timeout_s"] == 120
    clock.advance(121)
    after = await get_session(api, s["id"])
    assert (after["status"], after["close_reason"], after["billed_minutes"]) == (
        "expired",
        "idle_timeout",
        2,
    )
