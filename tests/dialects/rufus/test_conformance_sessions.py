"""Spec §10 checks 8-10, 14, 16, 17, 19-21: inserting, superseding, closing and listing sessions."""

from __future__ import annotations

from tests.support import FakeClock

from .helpers import HEX64, TIMESTAMP, Rufus, iso_ms, passing, random_id


async def test_check_8_a_write_key_inserts_a_session_with_a_64_hex_token(
    rufus: Rufus, kw: str, device: str
) -> None:
    response = await rufus.post("/sessions", kw, {"deviceid": device, "alias": "START-5K"})
    assert response.status_code == 201, response.text
    token = rufus.inner(response)["token_session"]
    assert HEX64.match(token)
    rufus.expect(
        response, 201, {"description": "Session inserted succesfully", "token_session": token}
    )


async def test_check_9_a_session_for_an_unknown_device_is_a_404_naming_it(
    rufus: Rufus, kw: str
) -> None:
    unknown = random_id()
    response = await rufus.post("/sessions", kw, {"deviceid": unknown})
    rufus.expect(response, 404, {"description": "Device not found", "deviceid": unknown})


async def test_check_10_the_new_session_is_the_devices_one_active_session(
    rufus: Rufus, kr: str, device: str, t1: str, clock: FakeClock
) -> None:
    response = await rufus.get(f"/sessions/device/{device}/active", kr)
    assert response.status_code == 200, response.text
    body = rufus.inner(response)
    assert list(body) == ["description", "result"] and body["description"] == "Success"
    assert len(body["result"]) == 1
    item = body["result"][0]
    assert list(item) == [
        "token_session",
        "alias",
        "creation_date",
        "duration",
        "active",
        "passings",
        "first",
        "last",
    ]
    assert (item["token_session"], item["active"], item["alias"]) == (t1, True, "START-5K")
    assert item["creation_date"] == iso_ms(clock.now())
    assert TIMESTAMP.match(item["duration"])
    assert (item["passings"], item["first"], item["last"]) == (0, None, None)


async def test_check_14_a_new_session_closes_the_previous_one_of_the_device(
    rufus: Rufus, kr: str, kw: str, device: str, t1_loaded: str
) -> None:
    t2 = await rufus.start(kw, device)
    assert t2 != t1_loaded
    old = await rufus.session(t1_loaded, kr)
    assert (old["token_session"], old["active"], old["passings"]) == (t1_loaded, False, 2)
    assert (old["first"], old["last"]) == ("2023-01-22T09:20:25.000Z", "2023-01-22T09:21:33.000Z")
    active = await rufus.result(f"/sessions/device/{device}/active", kr)
    assert [s["token_session"] for s in active] == [t2]
    assert active[0]["alias"] is None


async def test_check_14_a_new_session_leaves_other_devices_sessions_active(
    rufus: Rufus, kr: str, kw: str, device: str, t1: str
) -> None:
    other = await rufus.bind(kw, {"model": "M", "serial_number": "S-2"})
    await rufus.start(kw, other)
    assert (await rufus.session(t1, kr))["active"] is True


async def test_check_16_a_read_key_cannot_close_a_session(rufus: Rufus, kr: str, t1: str) -> None:
    rufus.expect_error(await rufus.call("PATCH", f"/sessions/close/{t1}", kr), 403)
    assert (await rufus.session(t1, kr))["active"] is True


async def test_check_17_a_write_key_closes_a_session(
    rufus: Rufus, kr: str, kw: str, t1: str
) -> None:
    response = await rufus.call("PATCH", f"/sessions/close/{t1}", kw)
    rufus.expect(response, 200, {"description": "Session closed succesfully", "token_session": t1})
    assert (await rufus.session(t1, kr))["active"] is False


async def test_check_17_closing_a_closed_session_again_is_the_same_200(
    rufus: Rufus, kw: str, t1: str
) -> None:
    first = await rufus.call("PATCH", f"/sessions/close/{t1}", kw)
    again = await rufus.call("PATCH", f"/sessions/close/{t1}", kw)
    assert (again.status_code, again.text) == (first.status_code, first.text)
    assert again.status_code == 200


async def test_check_17_a_closed_session_reports_its_close_time_as_duration(
    rufus: Rufus, kr: str, kw: str, t1: str, clock: FakeClock
) -> None:
    clock.advance(7200)
    closed_at = clock.now()
    await rufus.call("PATCH", f"/sessions/close/{t1}", kw)
    clock.advance(60)
    assert (await rufus.session(t1, kr))["duration"] == iso_ms(closed_at)


async def test_check_14_an_active_sessions_duration_is_its_last_passing_or_now(
    rufus: Rufus, kr: str, kw: str, t1: str, clock: FakeClock
) -> None:
    clock.advance(30)
    assert (await rufus.session(t1, kr))["duration"] == iso_ms(clock.now())
    assert (await rufus.insert(kw, t1, [passing(1, "2023-01-22T09:20:25.000Z")])).status_code == 201
    assert (await rufus.session(t1, kr))["duration"] == "2023-01-22T09:20:25.000Z"


async def test_check_19_a_device_without_an_active_session_answers_sessions_not_found(
    rufus: Rufus, kr: str, kw: str, device: str, t1: str
) -> None:
    await rufus.call("PATCH", f"/sessions/close/{t1}", kw)
    response = await rufus.get(f"/sessions/device/{device}/active", kr)
    rufus.expect(response, 404, {"description": "Sessions not found", "deviceid": device})


async def test_check_19_a_device_with_no_sessions_at_all_answers_sessions_not_found(
    rufus: Rufus, kr: str, device: str
) -> None:
    for path in (f"/sessions/device/{device}", f"/sessions/device/{device}/active"):
        response = await rufus.get(path, kr)
        rufus.expect(response, 404, {"description": "Sessions not found", "deviceid": device})


async def test_check_20_closing_an_unknown_session_is_a_404_naming_it(
    rufus: Rufus, kw: str, kr: str
) -> None:
    unknown = random_id()
    expected = {"description": "Session not found", "token_session": unknown}
    rufus.expect(await rufus.call("PATCH", f"/sessions/close/{unknown}", kw), 404, expected)
    rufus.expect(await rufus.get(f"/sessions/{unknown}", kr), 404, expected)


async def test_check_21_the_devices_sessions_are_listed_oldest_first_with_counts(
    rufus: Rufus, kr: str, kw: str, device: str, t1_loaded: str, clock: FakeClock
) -> None:
    t1_created = iso_ms(clock.now())
    clock.advance(60)
    t2_created = iso_ms(clock.now())
    t2 = await rufus.start(kw, device, "FINISH")
    await rufus.call("PATCH", f"/sessions/close/{t2}", kw)
    response = await rufus.get(f"/sessions/device/{device}", kr)
    expected = [
        {
            "token_session": t1_loaded,
            "alias": "START-5K",
            "creation_date": t1_created,
            "active": False,
            "passings": 2,
        },
        {
            "token_session": t2,
            "alias": "FINISH",
            "creation_date": t2_created,
            "active": False,
            "passings": 0,
        },
    ]
    rufus.expect(response, 200, {"description": "Success", "result": expected})
