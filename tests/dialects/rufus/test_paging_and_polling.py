"""P2 ranges and pages, P3 time windows and pages, P4 continuous polling (spec §7)."""

from __future__ import annotations

from typing import Any

from .helpers import Rufus, passing

TS = "2023-01-22T09:00:00.000Z"


def at(second: int) -> str:
    return f"2023-01-22T09:00:{second:02d}.000Z"


async def poll(rufus: Rufus, key: str, deviceid: str, **params: str | int) -> dict[str, Any]:
    response = await rufus.get(f"/passings/device2/{deviceid}", key, **params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = rufus.inner(response)
    assert list(body) == [
        "description",
        "deviceid",
        "session_used",
        "session_label",
        "resumed_from",
        "passings",
    ]
    assert (body["description"], body["deviceid"]) == ("Success", deviceid)
    return body


async def test_pages_hold_five_thousand_passings_for_sessions_and_devices(
    rufus: Rufus, kr: str, kw: str, device: str, t1: str
) -> None:
    assert (await rufus.insert(kw, t1, [passing(n, TS) for n in range(1, 5001)])).status_code == 201
    assert (await rufus.insert(kw, t1, [passing(5001, at(1))])).status_code == 201
    session_path, device_path = f"/passings/session/{t1}", f"/passings/device/{device}"
    assert await rufus.nums(t1, kr) == list(range(1, 5001))
    assert await rufus.nums(t1, kr, page=2) == [5001]
    assert await rufus.nums(t1, kr, page=3) == []
    assert await rufus.nums(t1, kr, first=4999) == [4999, 5000, 5001]
    assert await rufus.nums(t1, kr, first=2, last=5000, page=2) == []
    assert len(await rufus.result(device_path, kr, page=1)) == 5000
    [last] = await rufus.result(device_path, kr, page=2)
    assert (last["num_passing"], last["timestamp"]) == (5001, at(1))
    assert await rufus.result(device_path, kr, page=3) == []
    assert len(await rufus.result(session_path, kr, page=1, first=1, last=5001)) == 5000


async def test_first_and_last_are_inclusive_and_each_optional(
    rufus: Rufus, kr: str, kw: str, t1: str
) -> None:
    assert (await rufus.insert(kw, t1, [passing(n) for n in range(0, 8)])).status_code == 201
    assert await rufus.nums(t1, kr, first=2, last=4) == [2, 3, 4]
    assert await rufus.nums(t1, kr, first=6) == [6, 7]
    assert await rufus.nums(t1, kr, last=1) == [0, 1]
    assert await rufus.nums(t1, kr, first=0, last=0) == [0]
    assert await rufus.nums(t1, kr, first=5, last=4) == []
    assert await rufus.nums(t1, kr, first=100) == []


async def test_device_passings_bounds_are_inclusive_and_order_is_by_time_then_number(
    rufus: Rufus, kr: str, kw: str, device: str, t1: str
) -> None:
    assert (await rufus.insert(kw, t1, [passing(1, at(3)), passing(2, at(1))])).status_code == 201
    t2 = await rufus.start(kw, device)
    assert (await rufus.insert(kw, t2, [passing(3, at(1)), passing(1, at(2))])).status_code == 201
    path = f"/passings/device/{device}"
    every = await rufus.result(path, kr)
    assert [(p["token_session"], p["num_passing"], p["timestamp"]) for p in every] == [
        (t1, 2, at(1)),
        (t2, 3, at(1)),
        (t2, 1, at(2)),
        (t1, 1, at(3)),
    ]
    window = await rufus.result(path, kr, **{"from": at(1), "to": at(2)})
    assert [(p["token_session"], p["num_passing"]) for p in window] == [(t1, 2), (t2, 3), (t2, 1)]
    only_from = await rufus.result(path, kr, **{"from": at(3)})
    assert [p["num_passing"] for p in only_from] == [1]
    offset_to = await rufus.result(path, kr, to="2023-01-22T10:00:01+01:00")
    assert [p["num_passing"] for p in offset_to] == [2, 3]
    assert await rufus.result(path, kr, **{"from": at(4)}) == []


async def test_polling_resumes_after_last_in_the_current_session(
    rufus: Rufus, kr: str, kw: str, device: str, t1: str
) -> None:
    assert (await rufus.insert(kw, t1, [passing(n, at(n)) for n in range(1, 6)])).status_code == 201
    fresh = await poll(rufus, kr, device)
    assert (fresh["session_used"], fresh["session_label"], fresh["resumed_from"]) == (
        t1,
        "START-5K",
        0,
    )
    assert [p["num_passing"] for p in fresh["passings"]] == [1, 2, 3, 4, 5]
    assert fresh["passings"][0]["bib"] == "B1" and fresh["passings"][0]["timestamp"] == at(1)
    resumed = await poll(rufus, kr, device, token_session=t1, last=3)
    assert (resumed["session_used"], resumed["resumed_from"]) == (t1, 3)
    assert [p["num_passing"] for p in resumed["passings"]] == [4, 5]
    done = await poll(rufus, kr, device, token_session=t1, last=5)
    assert (done["resumed_from"], done["passings"]) == (5, [])
    windowed = await poll(rufus, kr, device, token_session=t1, last=1, to=at(3))
    assert [p["num_passing"] for p in windowed["passings"]] == [2, 3]


async def test_polling_after_last_zero_does_not_return_num_passing_zero_again(
    rufus: Rufus, kr: str, kw: str, device: str, t1: str
) -> None:
    """num_passing may be 0 (§7.1); ``last=0`` means 0 is processed, so resume after it."""
    assert (await rufus.insert(kw, t1, [passing(n) for n in range(0, 3)])).status_code == 201
    resumed = await poll(rufus, kr, device, token_session=t1, last=0)
    assert resumed["resumed_from"] == 0
    assert [p["num_passing"] for p in resumed["passings"]] == [1, 2]


async def test_polling_jumps_to_a_newer_session_from_its_beginning(
    rufus: Rufus, kr: str, kw: str, device: str, t1: str
) -> None:
    assert (await rufus.insert(kw, t1, [passing(n) for n in range(1, 4)])).status_code == 201
    t2 = await rufus.start(kw, device, "FINISH")
    assert (await rufus.insert(kw, t2, [passing(1), passing(2)])).status_code == 201
    jumped = await poll(rufus, kr, device, token_session=t1, last=2)
    assert (jumped["session_used"], jumped["session_label"], jumped["resumed_from"]) == (
        t2,
        "FINISH",
        0,
    )
    assert [(p["token_session"], p["num_passing"]) for p in jumped["passings"]] == [
        (t2, 1),
        (t2, 2),
    ]
    assert {p["deviceid"] for p in jumped["passings"]} == {device}


async def test_polling_a_device_without_sessions_or_an_unknown_device_is_a_404(
    rufus: Rufus, kr: str, device: str
) -> None:
    rufus.expect(
        await rufus.get(f"/passings/device2/{device}", kr),
        404,
        {"description": "Sessions not found", "deviceid": device},
    )
    rufus.expect(
        await rufus.get("/passings/device2/ABC", kr),
        404,
        {"description": "Device not found", "deviceid": "ABC"},
    )
