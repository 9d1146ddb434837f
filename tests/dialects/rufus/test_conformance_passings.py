"""Spec §10 checks 11-13, 15, 18 and 22: inserting passings and reading them back."""

from __future__ import annotations

from typing import Any

import pytest

from .helpers import CHECK11_PASSINGS, Rufus, null_passing, passing


def check11_out(token: str, deviceid: str) -> list[dict[str, Any]]:
    """The two passings of check 11 as P2/P3 return them (§7.2: every key, null if absent)."""
    second = null_passing(token, deviceid, 2, "2023-01-22T09:21:33.000Z", "17")
    second.update(latitude="12.000", longitude="13.000", status="Sent", chip="000000000000017")
    return [null_passing(token, deviceid, 1, "2023-01-22T09:20:25.000Z", "7"), second]


async def test_check_11_a_write_key_inserts_two_passings(rufus: Rufus, kw: str, t1: str) -> None:
    response = await rufus.insert(kw, t1, CHECK11_PASSINGS)
    expected = {
        "description": "Passings inserted succesfully",
        "token_session": t1,
        "inserted_count": 2,
        "duplicate_count": 0,  # optional in the newer spec; emitting it is harmless (§7 P1)
    }
    rufus.expect(response, 201, expected)


@pytest.mark.parametrize(
    "body",
    [
        {"passings_list": [{"num_passing": 3, "timestamp": "2023-01-22T09:22:00.000Z"}]},
        {"passings_list": [{"bib": "3", "timestamp": "2023-01-22T09:22:00.000Z"}]},
        {"passings_list": [{"bib": "3", "num_passing": 3}]},
        {},
        {"passings_list": []},
        {"passings_list": None},
    ],
    ids=["no bib", "no num_passing", "no timestamp", "no list", "empty list", "null list"],
)
async def test_check_12_a_passing_without_a_required_field_or_an_empty_list_is_a_400(
    rufus: Rufus, kr: str, kw: str, t1_loaded: str, body: dict[str, Any]
) -> None:
    rufus.expect_error(await rufus.post("/passings", kw, {"token_session": t1_loaded, **body}), 400)
    assert await rufus.nums(t1_loaded, kr) == [1, 2]


async def test_check_12_passings_without_a_token_session_are_a_400(rufus: Rufus, kw: str) -> None:
    rufus.expect_error(await rufus.post("/passings", kw, {"passings_list": [passing(1)]}), 400)


async def test_check_13_a_read_key_reads_a_sessions_passings_in_order(
    rufus: Rufus, kr: str, device: str, t1_loaded: str
) -> None:
    response = await rufus.get(f"/passings/session/{t1_loaded}", kr)
    expected = {"description": "Success", "result": check11_out(t1_loaded, device)}
    rufus.expect(response, 200, expected)


async def test_check_13_first_and_last_pick_one_passing(
    rufus: Rufus, kr: str, device: str, t1_loaded: str
) -> None:
    response = await rufus.get(f"/passings/session/{t1_loaded}", kr, first=2, last=2)
    expected = {"description": "Success", "result": check11_out(t1_loaded, device)[1:]}
    rufus.expect(response, 200, expected)


async def test_check_13_passings_come_back_in_num_passing_order_whatever_the_insert_order(
    rufus: Rufus, kr: str, kw: str, t1: str
) -> None:
    for num in (5, 3, 4):
        assert (await rufus.insert(kw, t1, [passing(num)])).status_code == 201
    assert (await rufus.insert(kw, t1, [passing(2), passing(1)])).status_code == 201
    assert await rufus.nums(t1, kr) == [1, 2, 3, 4, 5]


async def test_check_15_passings_to_a_superseded_session_are_refused(
    rufus: Rufus, kr: str, kw: str, device: str, t1_loaded: str
) -> None:
    await rufus.start(kw, device)
    response = await rufus.insert(kw, t1_loaded, [passing(3)])
    expected = {"description": "Session not found or closed", "token_session": t1_loaded}
    rufus.expect(response, 404, expected)
    assert (await rufus.session(t1_loaded, kr))["passings"] == 2
    assert await rufus.nums(t1_loaded, kr) == [1, 2]


async def test_check_18_a_closed_session_refuses_passings_but_stays_readable(
    rufus: Rufus, kr: str, kw: str, device: str, t1_loaded: str
) -> None:
    t2 = await rufus.start(kw, device)
    assert (await rufus.call("PATCH", f"/sessions/close/{t2}", kw)).status_code == 200
    response = await rufus.insert(kw, t2, [passing(1)])
    expected = {"description": "Session not found or closed", "token_session": t2}
    rufus.expect(response, 404, expected)
    detail = await rufus.session(t2, kr)
    assert (detail["active"], detail["passings"]) == (False, 0)
    rufus.expect(
        await rufus.get(f"/passings/session/{t2}", kr),
        200,
        {"description": "Success", "result": []},
    )
    closed_t1 = await rufus.get(f"/passings/session/{t1_loaded}", kr)
    assert [p["num_passing"] for p in rufus.inner(closed_t1)["result"]] == [1, 2]


async def test_check_18_passings_to_an_unknown_session_are_session_not_found_or_closed(
    rufus: Rufus, kw: str
) -> None:
    token = "ABC" * 20 + "ABCD"
    response = await rufus.insert(kw, token, [passing(1)])
    rufus.expect(
        response, 404, {"description": "Session not found or closed", "token_session": token}
    )


async def test_check_22_device_passings_are_filtered_by_an_inclusive_time_window(
    rufus: Rufus, kr: str, device: str, t1_loaded: str
) -> None:
    response = await rufus.get(
        f"/passings/device/{device}",
        kr,
        **{"from": "2023-01-22T09:21:00.000Z", "to": "2023-01-22T09:30:00.000Z"},
    )
    expected = {"description": "Success", "result": check11_out(t1_loaded, device)[1:]}
    rufus.expect(response, 200, expected)
    every = await rufus.result(f"/passings/device/{device}", kr)
    assert every == check11_out(t1_loaded, device)
