"""Wire conventions of spec §2 and the TasTimer client of §8 (flat envelope, the default)."""

from __future__ import annotations

from typing import Any

from .helpers import API_KEY, DEVICE_BODY, PREFIX, Rufus, passing


def substring_field(text: str, field: str) -> str:
    """How TasTimer reads a field: a substring search for ``"field":"`` (spec §2.2, §8)."""
    marker = f'"{field}":"'
    assert marker in text, text
    return text.split(marker, 1)[1].split('"', 1)[0]


async def test_tastimer_binds_starts_and_sends_passings_with_only_x_api_key(
    rufus: Rufus, kr: str, kw: str
) -> None:
    tastimer = {"x-api-key": kw}
    bind = {"type": "CUSTOM_CHRONO", "model": "TimingSoft", "serial_number": "PC-1", "alias": "L1"}
    bound = await rufus.call("POST", "/devices", None, bind, headers=tastimer)
    assert bound.status_code in (200, 201, 409), bound.text
    deviceid = substring_field(bound.text, "deviceid")
    started = await rufus.call(
        "POST", "/sessions", None, {"deviceid": deviceid, "alias": "TimingSoft"}, headers=tastimer
    )
    assert started.status_code in (200, 201), started.text
    token = substring_field(started.text, "token_session")
    for counter in (1, 2, 3):
        body = {"token_session": token, "passings_list": [passing(counter)]}
        sent = await rufus.call("POST", "/passings", None, body, headers=tastimer)
        assert sent.status_code in (200, 201), sent.text
        assert substring_field(sent.text, "token_session") == token
    assert await rufus.nums(token, kr) == [1, 2, 3]
    assert (await rufus.result(f"/devices/{deviceid}", kr))["type"] == "CUSTOM_CHRONO"


async def test_every_reply_is_compact_json_with_no_space_after_colons(
    rufus: Rufus, kr: str, kw: str, device: str, t1_loaded: str
) -> None:
    replies = [
        await rufus.get(f"/devices/{device}", kr),
        await rufus.get(f"/sessions/{t1_loaded}", kr),
        await rufus.get(f"/passings/session/{t1_loaded}", kr),
        await rufus.get("/devices", kr),
        await rufus.post("/devices", kw, {"model": "X"}),
        await rufus.get(f"/devices/{device}", kw),
    ]
    for response in replies:
        assert response.headers["content-type"].startswith("application/json")
        assert ": " not in response.text and ", " not in response.text, response.text
    assert '"deviceid":"' in replies[0].text and '"token_session":"' in replies[1].text


async def test_api_key_wins_when_both_key_headers_are_sent(rufus: Rufus, kr: str, kw: str) -> None:
    body = {"model": "M", "serial_number": "S"}
    refused = await rufus.call("POST", "/devices", kr, body, headers={"x-api-key": kw})
    rufus.expect_error(refused, 403)
    accepted = await rufus.call("POST", "/devices", kw, body, headers={"x-api-key": kr})
    assert accepted.status_code == 201, accepted.text
    assert len(await rufus.result("/devices", kr)) == 1


async def test_input_times_in_any_offset_come_back_as_utc_with_milliseconds(
    rufus: Rufus, kr: str, kw: str, t1: str
) -> None:
    sent = [
        passing(1, "2023-01-22T10:20:25.5+01:00"),
        passing(2, "2023-01-22T09:20:25.123456Z"),
        passing(3, "2023-01-22T09:20:25Z"),
    ]
    assert (await rufus.insert(kw, t1, sent)).status_code == 201
    items = await rufus.result(f"/passings/session/{t1}", kr)
    assert [p["timestamp"] for p in items] == [
        "2023-01-22T09:20:25.500Z",
        "2023-01-22T09:20:25.123Z",
        "2023-01-22T09:20:25.000Z",
    ]


async def test_numeric_coordinates_and_the_chips_spelling_are_accepted_and_emitted_as_legacy(
    rufus: Rufus, kr: str, kw: str, t1: str
) -> None:
    extra: dict[str, Any] = {
        "latitude": 12.5,
        "longitude": -3,
        "chips": "C-1",
        "participant_id": "P9",
    }
    more = {"timezone": "CET", "gender": "F"}
    assert (await rufus.insert(kw, t1, [passing(1, **extra, **more)])).status_code == 201
    [item] = await rufus.result(f"/passings/session/{t1}", kr)
    assert (item["latitude"], item["longitude"], item["chip"]) == ("12.5", "-3", "C-1")
    assert (item["participant_id"], item["timezone"], item["gender"]) == ("P9", "CET", "F")


async def test_ids_in_paths_are_matched_whatever_their_case(
    rufus: Rufus, kr: str, device: str, t1_loaded: str
) -> None:
    assert (await rufus.get(f"/devices/{device.lower()}", kr)).status_code == 200
    assert (await rufus.session(t1_loaded.lower(), kr))["token_session"] == t1_loaded
    assert await rufus.nums(t1_loaded.lower(), kr) == [1, 2]


async def test_listing_devices_pages_with_a_pagination_object(
    rufus: Rufus, kr: str, kw: str, device: str, t1_loaded: str
) -> None:
    second = await rufus.bind(kw, {"model": "M2", "serial_number": "S2"})
    response = await rufus.get("/devices", kr, limit=1, page=2)
    assert response.status_code == 200, response.text
    body = rufus.inner(response)
    assert list(body) == ["description", "result", "pagination"]
    assert body["pagination"] == {"page": 2, "limit": 1, "total": 2, "total_pages": 2}
    everything = await rufus.result("/devices", kr)
    assert {d["deviceid"] for d in everything} == {device, second}
    first = next(d for d in everything if d["deviceid"] == device)
    assert first["sessions"] == 1
    telemetry = ("device_status", "battery_percentage", "charging", "last_telemetry_at")
    assert [first[k] for k in telemetry] == [None] * 4


async def test_the_cli_key_format_is_ror_and_twenty_lowercase_hex(
    kr: str, kw: str, krw: str, kadm: str, kr2: str
) -> None:
    for key in (kr, kw, krw, kadm, kr2):
        assert API_KEY.match(key), key
    assert len({kr, kw, krw, kadm, kr2}) == 5
    assert PREFIX == "/rufus/v0"


async def test_the_dialect_is_not_at_the_root_unless_configured(rufus: Rufus, kw: str) -> None:
    response = await rufus.client.post("/v0/devices", json=DEVICE_BODY, headers={"api_key": kw})
    assert response.status_code == 404
    assert (await rufus.post("/devices", kw, DEVICE_BODY)).status_code == 201


async def test_an_unknown_path_under_the_default_prefix_is_a_plain_404(
    rufus: Rufus, kr: str
) -> None:
    response = await rufus.get("/devices/A/B/C", kr)
    rufus.expect_error(response, 404)
    assert not response.headers["content-type"].startswith("application/problem+json")
