"""Duplicate protection by (token_session, num_passing) and atomic batches (spec §7 P1)."""

from __future__ import annotations

from .helpers import Rufus, passing

TS = "2023-01-22T09:00:00.000Z"


async def test_a_repeated_num_passing_in_one_batch_is_counted_and_stored_once(
    rufus: Rufus, kr: str, kw: str, t1: str
) -> None:
    batch = [passing(1, bib="first"), passing(1, bib="again"), passing(2), passing(2)]
    response = await rufus.insert(kw, t1, batch)
    expected = {
        "description": "Passings inserted succesfully",
        "token_session": t1,
        "inserted_count": 2,
        "duplicate_count": 2,
    }
    rufus.expect(response, 201, expected)
    items = await rufus.result(f"/passings/session/{t1}", kr)
    assert [(p["num_passing"], p["bib"]) for p in items] == [(1, "first"), (2, "B2")]
    assert (await rufus.session(t1, kr))["passings"] == 2


async def test_a_num_passing_sent_again_in_a_later_batch_is_a_duplicate(
    rufus: Rufus, kr: str, kw: str, t1: str
) -> None:
    assert (await rufus.insert(kw, t1, [passing(1), passing(2)])).status_code == 201
    response = await rufus.insert(kw, t1, [passing(2, bib="resent"), passing(3)])
    body = rufus.inner(response)
    assert (response.status_code, body["inserted_count"], body["duplicate_count"]) == (201, 1, 1)
    items = await rufus.result(f"/passings/session/{t1}", kr)
    assert [(p["num_passing"], p["bib"]) for p in items] == [(1, "B1"), (2, "B2"), (3, "B3")]


async def test_a_batch_of_only_duplicates_inserts_nothing_and_still_succeeds(
    rufus: Rufus, kr: str, kw: str, t1_loaded: str
) -> None:
    response = await rufus.insert(kw, t1_loaded, [passing(1), passing(2)])
    body = rufus.inner(response)
    assert (response.status_code, body["inserted_count"], body["duplicate_count"]) == (201, 0, 2)
    assert (await rufus.session(t1_loaded, kr))["passings"] == 2


async def test_the_same_num_passing_in_two_sessions_is_not_a_duplicate(
    rufus: Rufus, kr: str, kw: str, device: str, t1_loaded: str
) -> None:
    t2 = await rufus.start(kw, device)
    response = await rufus.insert(kw, t2, [passing(1), passing(2)])
    assert rufus.inner(response)["inserted_count"] == 2
    assert await rufus.nums(t2, kr) == [1, 2]
    assert len(await rufus.result(f"/passings/device/{device}", kr)) == 4


async def test_one_bad_item_rejects_the_whole_batch(
    rufus: Rufus, kr: str, kw: str, t1: str
) -> None:
    good = [passing(n) for n in range(1, 50)]
    bad_ones = [
        {"num_passing": 50, "timestamp": TS},
        passing(50, timestamp="2023-01-22 25:00"),
        passing(50, num_passing="50"),
    ]
    for bad in bad_ones:
        rufus.expect_error(await rufus.insert(kw, t1, [*good, bad]), 400)
        rufus.expect_error(await rufus.insert(kw, t1, [bad, *good]), 400)
    assert await rufus.nums(t1, kr) == []
    assert (await rufus.session(t1, kr))["passings"] == 0
    assert (await rufus.insert(kw, t1, good)).status_code == 201
    assert await rufus.nums(t1, kr) == list(range(1, 50))


async def test_a_refused_batch_to_a_closed_session_stores_nothing(
    rufus: Rufus, kr: str, kw: str, t1_loaded: str
) -> None:
    await rufus.call("PATCH", f"/sessions/close/{t1_loaded}", kw)
    assert (await rufus.insert(kw, t1_loaded, [passing(3), passing(4)])).status_code == 404
    assert await rufus.nums(t1_loaded, kr) == [1, 2]


async def test_a_full_batch_of_five_thousand_is_accepted(
    rufus: Rufus, kr: str, kw: str, t1: str
) -> None:
    response = await rufus.insert(kw, t1, [passing(n, TS) for n in range(1, 5001)])
    assert (response.status_code, rufus.inner(response)["inserted_count"]) == (201, 5000)
    assert (await rufus.session(t1, kr))["passings"] == 5000
