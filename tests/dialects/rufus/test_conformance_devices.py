"""Spec §10 checks 1-7 and 23-25: binding, reading and unbinding devices; company isolation."""

from __future__ import annotations

from tests.support import FakeClock

from .helpers import DEVICE_BODY, HEX64, TIMESTAMP, Rufus, iso_ms, passing, random_id


async def test_check_1_a_write_key_binds_a_device_and_gets_a_64_hex_id(
    rufus: Rufus, kw: str
) -> None:
    response = await rufus.post("/devices", kw, DEVICE_BODY)
    assert response.status_code == 201
    deviceid = rufus.inner(response)["deviceid"]
    assert HEX64.match(deviceid)
    rufus.expect(response, 201, {"description": "Device binded succesfully", "deviceid": deviceid})


async def test_check_2_binding_without_a_serial_number_is_a_400(rufus: Rufus, kw: str) -> None:
    rufus.expect_error(await rufus.post("/devices", kw, {"model": "X"}), 400)
    rufus.expect_error(await rufus.post("/devices", kw, {"serial_number": "S"}), 400)


async def test_check_3_a_read_key_cannot_bind_a_device(rufus: Rufus, kr: str) -> None:
    rufus.expect_error(await rufus.post("/devices", kr, DEVICE_BODY), 403)


async def test_check_4_the_x_api_key_header_works_and_the_reply_is_compact(
    rufus: Rufus, kw: str
) -> None:
    response = await rufus.call("POST", "/devices", None, DEVICE_BODY, headers={"x-api-key": kw})
    assert response.status_code == 201, response.text
    assert '"deviceid":"' in response.text
    assert ": " not in response.text


async def test_check_5_a_read_key_reads_a_fresh_device_with_zero_totals(
    rufus: Rufus, kr: str, kw: str, clock: FakeClock
) -> None:
    bound_at = clock.now()
    deviceid = await rufus.bind(kw)
    response = await rufus.get(f"/devices/{deviceid}", kr)
    assert response.status_code == 200, response.text
    body = rufus.inner(response)
    assert list(body) == ["description", "result"] and body["description"] == "Success"
    result = body["result"]
    assert list(result) == [
        "deviceid",
        "type",
        "model",
        "alias",
        "firmware",
        "serial_number",
        "creation_date",
        "sessions",
        "passings",
        "last_seen",
    ]
    assert result["deviceid"] == deviceid
    assert (result["model"], result["serial_number"]) == ("Model X1", "DEVICE-123")
    assert (result["alias"], result["firmware"]) == (None, None)
    assert isinstance(result["type"], str) and result["type"]
    assert result["creation_date"] == iso_ms(bound_at)
    assert (result["sessions"], result["passings"]) == (0, 0)
    assert result["last_seen"] is None or TIMESTAMP.match(result["last_seen"])


async def test_check_5_every_optional_device_field_is_read_back(
    rufus: Rufus, kr: str, kw: str
) -> None:
    body = {
        "type": "CUSTOM_CHRONO",
        "model": "TimingSoft",
        "serial_number": "SN-9",
        "alias": "Finish",
        "firmware": "1.0.1",
        "unknown_field": 1,
    }
    deviceid = await rufus.bind(kw, body)
    result = await rufus.result(f"/devices/{deviceid}", kr)
    expected = {k: v for k, v in body.items() if k != "unknown_field"}
    assert {k: result[k] for k in expected} == expected


async def test_check_6_an_unknown_device_is_a_404_without_a_deviceid(rufus: Rufus, kr: str) -> None:
    response = await rufus.get(f"/devices/{random_id()}", kr)
    rufus.expect(response, 404, {"description": "Device not found"})


async def test_check_7_a_write_key_cannot_read_a_device(rufus: Rufus, kw: str, device: str) -> None:
    rufus.expect_error(await rufus.get(f"/devices/{device}", kw), 403)


async def test_check_23_unbinding_needs_the_unbind_flag(
    rufus: Rufus, krw: str, kadm: str, kr: str, device: str
) -> None:
    rufus.expect_error(await rufus.call("DELETE", f"/devices/{device}", krw), 403)
    rufus.expect_error(await rufus.call("DELETE", f"/devices/{device}", kr), 403)
    assert (await rufus.get(f"/devices/{device}", kr)).status_code == 200
    response = await rufus.call("DELETE", f"/devices/{device}", kadm)
    rufus.expect(response, 200, {"description": "Device unbinded succesfully", "deviceid": device})


async def test_check_24_an_unbound_device_takes_its_sessions_and_passings_with_it(
    rufus: Rufus, kr: str, kadm: str, device: str, t1_loaded: str
) -> None:
    assert (await rufus.call("DELETE", f"/devices/{device}", kadm)).status_code == 200
    rufus.expect(
        await rufus.get(f"/devices/{device}", kr), 404, {"description": "Device not found"}
    )
    rufus.expect(
        await rufus.get(f"/sessions/{t1_loaded}", kr),
        404,
        {"description": "Session not found", "token_session": t1_loaded},
    )
    rufus.expect(
        await rufus.get(f"/passings/session/{t1_loaded}", kr),
        404,
        {"description": "Session not found", "token_session": t1_loaded},
    )
    rufus.expect(
        await rufus.call("DELETE", f"/devices/{device}", kadm),
        404,
        {"description": "Device not found", "deviceid": device},
    )


async def test_check_24_unbinding_one_device_leaves_the_others_alone(
    rufus: Rufus, kr: str, kw: str, kadm: str, device: str, t1_loaded: str
) -> None:
    other = await rufus.bind(kw, {"model": "M", "serial_number": "OTHER"})
    token = await rufus.start(kw, other)
    assert (await rufus.insert(kw, token, [passing(1)])).status_code == 201
    assert (await rufus.call("DELETE", f"/devices/{device}", kadm)).status_code == 200
    assert await rufus.nums(token, kr) == [1]
    assert (await rufus.result(f"/devices/{other}", kr))["passings"] == 1


async def test_check_25_another_companys_device_is_a_404_like_an_unknown_one(
    rufus: Rufus, kr2: str, device: str
) -> None:
    foreign = await rufus.get(f"/devices/{device}", kr2)
    unknown = await rufus.get(f"/devices/{random_id()}", kr2)
    rufus.expect(foreign, 404, {"description": "Device not found"})
    assert unknown.text == foreign.text
    listed = await rufus.get("/devices", kr2)
    assert rufus.inner(listed)["result"] == []


async def test_check_5_a_used_device_reports_its_totals_and_when_it_was_last_seen(
    rufus: Rufus, kr: str, kw: str, device: str, clock: FakeClock
) -> None:
    clock.advance(10)
    token = await rufus.start(kw, device)
    clock.advance(10)
    inserted_at = clock.now()
    assert (await rufus.insert(kw, token, [passing(1), passing(2)])).status_code == 201
    clock.advance(10)
    await rufus.start(kw, device)
    result = await rufus.result(f"/devices/{device}", kr)
    assert (result["sessions"], result["passings"]) == (2, 2)
    assert result["last_seen"] == iso_ms(clock.now())
    assert result["last_seen"] > iso_ms(inserted_at)


async def test_binding_the_same_serial_again_binds_a_new_device_with_a_fresh_id(
    rufus: Rufus, kr: str, kw: str, device: str
) -> None:
    response = await rufus.post("/devices", kw, DEVICE_BODY)
    again = rufus.inner(response)["deviceid"]
    assert (response.status_code, HEX64.match(again) is not None) == (201, True)
    assert again != device
    listed = await rufus.result("/devices", kr)
    assert sorted(d["deviceid"] for d in listed) == sorted([device, again])
