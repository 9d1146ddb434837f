"""Billing and expiry (spec §7): ceil(whole seconds / 60) for metered sessions, 0 for unmetered
ones; deleting stops the meter; a session ends at its expiry and is billed up to it."""

from __future__ import annotations

import httpx

from sessionary.domain.model import Subject

from ...support import FakeClock
from .conftest import ADMIN_EMAIL, ADMIN_PASSWORD
from .helpers import (
    Hive,
    JsonObject,
    assert_error,
    assert_ok,
    native_sessions,
    password_hash,
    quickstart,
)


async def billed(hive: Hive, api_key: str) -> int:
    minutes = assert_ok(await hive.call("GET", api_key))["billedMinutes"]
    assert type(minutes) is int
    return minutes


async def native_session(
    client: httpx.AsyncClient, native: dict[str, str], session_id: str
) -> JsonObject:
    response = await client.get(f"/v1/sessions/{session_id}", headers=native)
    assert response.status_code == 200, response.text
    body: JsonObject = response.json()
    return body


async def test_a_metered_session_bills_two_minutes_after_ninety_seconds(
    hive: Hive, session: JsonObject, session_key: str, clock: FakeClock
) -> None:
    assert session["billedMinutes"] == 0
    assert await billed(hive, session_key) == 0
    clock.advance(90)
    assert await billed(hive, session_key) == 2


async def test_minutes_are_whole_seconds_rounded_up(
    hive: Hive, session_key: str, clock: FakeClock
) -> None:
    clock.advance(0.9)
    assert await billed(hive, session_key) == 0
    clock.advance(0.2)
    assert await billed(hive, session_key) == 1
    clock.advance(58.95)  # 60.05 s: 60 whole seconds
    assert await billed(hive, session_key) == 1
    clock.advance(1)
    assert await billed(hive, session_key) == 2


async def test_an_unmetered_session_bills_nothing(
    hive: Hive, account: Subject, public_key: str, clock: FakeClock
) -> None:
    session = await hive.login(public_key, quickstart(metered=False))
    assert session["metered"] is False
    clock.advance(90)
    body = assert_ok(await hive.call("GET", session["apiKey"]))
    assert body["metered"] is False
    assert body["billedMinutes"] == 0


async def test_an_admin_session_without_a_metered_field_is_unmetered(
    hive: Hive, admin_account: Subject, public_key: str, clock: FakeClock
) -> None:
    body = quickstart(ADMIN_EMAIL, password_hash(ADMIN_PASSWORD), requestedRole="builtin:admin")
    del body["metered"]
    session = await hive.login(public_key, body)
    assert session["metered"] is False
    clock.advance(90)
    assert await billed(hive, session["apiKey"]) == 0


async def test_a_user_session_without_a_metered_field_is_metered(
    hive: Hive, account: Subject, public_key: str, clock: FakeClock
) -> None:
    body = quickstart()
    del body["metered"]
    session = await hive.login(public_key, body)
    assert session["metered"] is True
    clock.advance(90)
    assert await billed(hive, session["apiKey"]) == 2


async def test_an_explicit_metered_true_overrides_the_admin_default(
    hive: Hive, admin_account: Subject, public_key: str, clock: FakeClock
) -> None:
    body = quickstart(ADMIN_EMAIL, password_hash(ADMIN_PASSWORD), requestedRole="builtin:admin")
    session = await hive.login(public_key, body)
    assert session["metered"] is True
    clock.advance(90)
    assert await billed(hive, session["apiKey"]) == 2


async def test_deleting_a_session_stops_its_meter(
    hive: Hive,
    client: httpx.AsyncClient,
    native: dict[str, str],
    session: JsonObject,
    session_key: str,
    clock: FakeClock,
) -> None:
    clock.advance(90)
    assert (await hive.call("DELETE", session_key)).content == b"true"
    clock.advance(600)
    deleted = await native_sessions(client, native, status="deleted")
    assert [s["id"] for s in deleted] == [session["id"]]
    assert deleted[0]["billed_minutes"] == 2
    assert deleted[0]["dialect"] == "hivemp"


async def test_a_deleted_session_is_404_by_id_in_the_native_view_as_documented(
    hive: Hive,
    client: httpx.AsyncClient,
    native: dict[str, str],
    session: JsonObject,
    session_key: str,
) -> None:
    """README: ``DELETE /v1/sessions/{id}`` ... afterwards 404; the deleted-status list keeps it."""
    assert (await hive.call("DELETE", session_key)).content == b"true"
    response = await client.get(f"/v1/sessions/{session['id']}", headers=native)
    assert response.status_code == 404
    assert await native_sessions(client, native) == []


async def test_a_session_ends_at_its_expiry_and_is_billed_sixty_minutes(
    hive: Hive,
    client: httpx.AsyncClient,
    native: dict[str, str],
    session: JsonObject,
    session_key: str,
    admin_key: str,
    clock: FakeClock,
) -> None:
    clock.advance(3599)
    assert assert_ok(await hive.call("GET", session_key))["billedMinutes"] == 60
    clock.advance(2)
    data = assert_error(await hive.call("GET", session_key), 401, 1001)
    assert data.get("invalidSessionId") == session["id"]
    assert_error(await hive.call("POST", session_key), 401, 1001)
    for method in ("GET", "POST", "DELETE"):
        assert_error(await hive.call(method, admin_key, session["id"]), 404, 1004)
    clock.advance(3600)
    view = await native_session(client, native, session["id"])
    assert view["status"] == "expired"
    assert view["billed_minutes"] == 60


async def test_an_expired_session_cannot_be_revived(
    hive: Hive, session: JsonObject, session_key: str, clock: FakeClock
) -> None:
    clock.advance(3600)
    assert_error(await hive.call("POST", session_key, session["id"]), 401, 1001)
    assert_error(await hive.call("DELETE", session_key), 401, 1001)


async def test_extending_keeps_the_meter_running_past_the_first_hour(
    hive: Hive, session_key: str, clock: FakeClock
) -> None:
    clock.advance(3000)
    assert_ok(await hive.call("POST", session_key))
    clock.advance(1000)
    body = assert_ok(await hive.call("GET", session_key))
    assert body["billedMinutes"] == 67
