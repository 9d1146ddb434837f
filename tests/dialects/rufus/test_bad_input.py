"""Bad input: the spec's status, a ``{"description": ...}`` body, and nothing changed (§2.5)."""

from __future__ import annotations

from typing import Any

import pytest

from sessionary.config import Settings

from .helpers import DEVICE_BODY, Rufus, passing

TS = "2023-01-22T09:00:00.000Z"


async def assert_t1_untouched(rufus: Rufus, kr: str, device: str, t1: str) -> None:
    """T1 still active with its two passings, the only session of the only device."""
    assert await rufus.nums(t1, kr) == [1, 2]
    sessions = await rufus.result(f"/sessions/device/{device}", kr)
    assert [(s["token_session"], s["active"], s["passings"]) for s in sessions] == [(t1, True, 2)]
    assert [d["deviceid"] for d in await rufus.result("/devices", kr)] == [device]


@pytest.mark.parametrize(
    "raw",
    [b'{"model": "X", "serial_number": "S"', b"not json", b"\xff\xfe", b"[1, 2]", b'"text"'],
)
async def test_malformed_json_is_a_400_on_every_write_and_changes_nothing(
    rufus: Rufus, kr: str, kw: str, device: str, t1_loaded: str, raw: bytes
) -> None:
    headers = {"api_key": kw, "Content-Type": "application/json"}
    for path in ("/devices", "/sessions", "/passings"):
        response = await rufus.client.post(rufus.prefix + path, content=raw, headers=headers)
        rufus.expect_error(response, 400)
    await assert_t1_untouched(rufus, kr, device, t1_loaded)


@pytest.mark.parametrize(
    "body",
    [
        {"model": 5, "serial_number": "S"},
        {"model": "X", "serial_number": ["S"]},
        {"model": "", "serial_number": "S"},
        {"model": "X", "serial_number": "S", "alias": {"a": 1}},
        {"model": "X" * 201, "serial_number": "S"},
    ],
)
async def test_a_device_with_a_wrong_field_type_is_a_400_and_binds_nothing(
    rufus: Rufus, kr: str, kw: str, device: str, t1_loaded: str, body: dict[str, Any]
) -> None:
    rufus.expect_error(await rufus.post("/devices", kw, body), 400)
    await assert_t1_untouched(rufus, kr, device, t1_loaded)


@pytest.mark.parametrize("body", [{}, {"deviceid": 123}, {"deviceid": ""}, {"alias": "A"}])
async def test_a_bad_session_body_is_a_400_and_keeps_the_active_session(
    rufus: Rufus, kr: str, kw: str, device: str, t1_loaded: str, body: dict[str, Any]
) -> None:
    rufus.expect_error(await rufus.post("/sessions", kw, body), 400)
    await assert_t1_untouched(rufus, kr, device, t1_loaded)


@pytest.mark.parametrize(
    "items",
    [
        [passing(3, num_passing="x")],
        [passing(3, num_passing=-1)],
        [passing(3, num_passing=3.5)],
        [passing(3, bib=["7"])],
        [passing(3, timestamp="yesterday")],
        [passing(3, timestamp="2023-13-45T00:00:00.000Z")],
        [passing(3, timestamp="2023-01-22")],
        [passing(3, timestamp=1674379225)],
        [passing(3, latitude=[1])],
        [passing(3), passing(4, timestamp="not a time")],
        {},
        "passings",
    ],
    ids=[
        "num_passing text",
        "negative num_passing",
        "fractional num_passing",
        "bib list",
        "timestamp word",
        "timestamp impossible date",
        "timestamp date only",
        "timestamp number",
        "latitude list",
        "second item bad",
        "list is an object",
        "list is a string",
    ],
)
async def test_bad_passings_are_a_400_and_store_nothing(
    rufus: Rufus, kr: str, kw: str, device: str, t1_loaded: str, items: Any
) -> None:
    body = {"token_session": t1_loaded, "passings_list": items}
    rufus.expect_error(await rufus.post("/passings", kw, body), 400)
    await assert_t1_untouched(rufus, kr, device, t1_loaded)


async def test_a_token_session_of_the_wrong_type_is_a_400(
    rufus: Rufus, kr: str, kw: str, device: str, t1_loaded: str
) -> None:
    body = {"token_session": 42, "passings_list": [passing(3)]}
    rufus.expect_error(await rufus.post("/passings", kw, body), 400)
    await assert_t1_untouched(rufus, kr, device, t1_loaded)


async def test_five_thousand_and_one_passings_are_a_400_and_store_nothing(
    rufus: Rufus, kr: str, kw: str, device: str, t1_loaded: str
) -> None:
    items = [passing(n, TS) for n in range(10, 5011)]
    assert len(items) == 5001
    rufus.expect_error(await rufus.insert(kw, t1_loaded, items), 400)
    await assert_t1_untouched(rufus, kr, device, t1_loaded)


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/passings/device/{d}", {"from": "nope"}),
        ("/passings/device/{d}", {"to": "2023-02-30T00:00:00.000Z"}),
        ("/passings/device/{d}", {"page": 0}),
        ("/passings/device2/{d}", {"from": "nope"}),
        ("/passings/device2/{d}", {"last": "x"}),
        ("/passings/session/{t}", {"first": "abc"}),
        ("/passings/session/{t}", {"page": -1}),
        ("/devices", {"limit": 5001}),
        ("/devices", {"page": "one"}),
    ],
)
async def test_a_bad_query_parameter_is_a_400_with_a_description(
    rufus: Rufus, kr: str, device: str, t1_loaded: str, path: str, params: dict[str, Any]
) -> None:
    response = await rufus.get(path.format(d=device, t=t1_loaded), kr, **params)
    rufus.expect_error(response, 400)


async def test_a_read_key_cannot_write_anything(
    rufus: Rufus, kr: str, device: str, t1_loaded: str
) -> None:
    attempts = [
        await rufus.post("/devices", kr, DEVICE_BODY),
        await rufus.post("/sessions", kr, {"deviceid": device}),
        await rufus.insert(kr, t1_loaded, [passing(3)]),
        await rufus.call("PATCH", f"/sessions/close/{t1_loaded}", kr),
        await rufus.call("DELETE", f"/devices/{device}", kr),
    ]
    for response in attempts:
        rufus.expect_error(response, 403)
    await assert_t1_untouched(rufus, kr, device, t1_loaded)


async def test_a_write_key_without_unbind_cannot_delete_a_device(
    rufus: Rufus, kr: str, kw: str, device: str, t1_loaded: str
) -> None:
    rufus.expect_error(await rufus.call("DELETE", f"/devices/{device}", kw), 403)
    await assert_t1_untouched(rufus, kr, device, t1_loaded)


async def test_a_passing_holding_nul_is_a_400_on_postgresql_and_changes_nothing(
    rufus: Rufus, settings: Settings, kr: str, kw: str, device: str, t1_loaded: str
) -> None:
    """PostgreSQL cannot store U+0000; SQLite stores it and the passing reads back as sent."""
    response = await rufus.insert(kw, t1_loaded, [passing(3, chip="c\u0000")])
    if not settings.database_url.startswith("postgresql"):
        assert response.status_code == 201, response.text
        assert await rufus.nums(t1_loaded, kr) == [1, 2, 3]
        return
    rufus.expect_error(response, 400)
    await assert_t1_untouched(rufus, kr, device, t1_loaded)
