"""Spec §8 checks 1-5 (the signed close and its authentication failures), plus the settling of
the queued refund by the sweeper (§2.2)."""

from __future__ import annotations

import pytest

from .conftest import World
from .expectations import expect, expect_alive, expect_all_alive, expect_gone
from .helpers import G0, KELLY, PUMPKIN, SUCCESS, close_body, lifecycle, signed, snapshot

CHECK_1 = {
    "secureLogin": "S100",
    "userId": "tester",
    "gameId": "lm_1_pumpkinfarm",
    "clearHistory": "1",
    "hash": "31469c207596d2036bff7677bbc6653f",
}


async def test_check_1_closes_the_pumpkinfarm_session_cancels_r1_and_queues_a_refund(
    world: World, native: dict[str, str]
) -> None:
    expect(await world.casino.close_a(CHECK_1), 200, SUCCESS)
    await expect_gone(world, native, PUMPKIN)
    assert await world.casino.status(world.r1) == "CancelInProcess"
    records = await lifecycle(world.container, world.tenant, world.pumpkin_session)
    refunds = [r for r in records if r["type"] == "work_cancel_requested"]
    assert refunds == [{"type": "work_cancel_requested", "reason": "refund", "work_id": world.r1}]


async def test_check_1_leaves_the_kellyswheel_session_alive(
    world: World, native: dict[str, str]
) -> None:
    expect(await world.casino.close_a(CHECK_1), 200, SUCCESS)
    await expect_alive(world, native, KELLY)
    kelly_records = await lifecycle(world.container, world.tenant, world.kelly_session)
    assert not [r for r in kelly_records if r["type"].startswith("work_")]


async def test_the_sweeper_settles_a_cancel_in_process_round_as_cancelled(world: World) -> None:
    expect(await world.casino.close_a(CHECK_1), 200, SUCCESS)
    assert await world.container.sweeper.settle_cancellations() == 1
    assert await world.casino.status(world.r1) == "Cancelled"
    records = await lifecycle(world.container, world.tenant, world.pumpkin_session)
    assert [r["type"] for r in records if r["type"].startswith("work_")] == [
        "work_cancel_requested",
        "work_cancelled",
    ]
    settled = [r for r in records if r["type"] == "work_cancelled"]
    assert settled == [{"type": "work_cancelled", "reason": "refund", "work_id": world.r1}]
    assert await world.container.sweeper.settle_cancellations() == 0


async def test_a_cancelled_round_is_not_resumed_and_the_next_start_opens_a_fresh_round(
    world: World,
) -> None:
    expect(await world.casino.close_a(CHECK_1), 200, SUCCESS)
    token = await world.casino.start_b(game=PUMPKIN)
    response = await world.casino.start_round(token)
    assert response.status_code == 200, response.text
    assert response.json()["resumed"] is False
    assert response.json()["round"]["roundId"] != world.r1
    assert response.json()["round"]["roundStatus"] == "InProgress"
    assert await world.casino.status(world.r1) == "CancelInProcess"


async def test_check_2_a_hash_made_with_another_secret_is_refused_and_nothing_changes(
    world: World, native: dict[str, str]
) -> None:
    body = {**CHECK_1, "hash": "c504bb04877a226811a83949ccae19ef"}
    assert body == signed({k: v for k, v in CHECK_1.items() if k != "hash"}, "otherKey")
    before = await snapshot(world.container, world.tenant)
    expect(await world.casino.close_a(body), 401, G0)
    assert await snapshot(world.container, world.tenant) == before
    assert await world.casino.status(world.r1) == "InProgress"
    await expect_all_alive(world, native)


@pytest.mark.parametrize(
    ("memb", "token"),
    [("S100", "WRONG"), ("NOPE", "TOK-0001")],
    ids=["check-3-wrong-HASH", "check-4-unknown-MEMB_ID"],
)
async def test_checks_3_and_4_a_wrong_token_or_unknown_partner_is_refused_with_g0(
    world: World, native: dict[str, str], memb: str, token: str
) -> None:
    before = await snapshot(world.container, world.tenant)
    expect(await world.casino.close_a(CHECK_1, memb=memb, token=token), 401, G0)
    assert await snapshot(world.container, world.tenant) == before
    await expect_all_alive(world, native)


async def test_check_5_a_body_secure_login_other_than_memb_id_is_refused_with_g0(
    world: World, native: dict[str, str]
) -> None:
    body = close_body(secureLogin="S200")
    assert body["secureLogin"] == "S200"
    before = await snapshot(world.container, world.tenant)
    expect(await world.casino.close_a(body), 401, G0)
    assert await snapshot(world.container, world.tenant) == before
    await expect_all_alive(world, native)
