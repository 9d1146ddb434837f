"""Spec §2.2 semantics beyond the §8 checks: what clearHistory does to rounds in and out of
scope, to rounds left resumable earlier and to finished rounds, and Auto-Closing."""

from __future__ import annotations

from tests.support import FakeClock

from .conftest import World
from .expectations import expect, expect_resumable
from .helpers import KELLY, PUMPKIN, SUCCESS, close_body, lifecycle


async def test_clear_history_1_without_game_id_cancels_the_rounds_of_every_game(
    world: World,
) -> None:
    kelly_round = await world.casino.new_round(world.kelly)
    expect(await world.casino.close_a(close_body(game=None)), 200, SUCCESS)
    assert await world.casino.status(world.r1) == "CancelInProcess"
    assert await world.casino.status(kelly_round) == "CancelInProcess"
    records = await lifecycle(world.container, world.tenant, world.kelly_session)
    assert {"type": "work_cancel_requested", "reason": "refund", "work_id": kelly_round} in records
    assert await world.container.sweeper.settle_cancellations() == 2
    assert await world.casino.status(kelly_round) == "Cancelled"


async def test_clear_history_1_leaves_completed_rounds_untouched(world: World) -> None:
    kelly_round = await world.casino.new_round(world.kelly)
    assert (await world.casino.finish(world.kelly, kelly_round)).status_code == 200
    expect(await world.casino.close_a(close_body(game=None)), 200, SUCCESS)
    assert await world.casino.status(kelly_round) == "Completed"
    records = await lifecycle(world.container, world.tenant, world.kelly_session)
    assert not [r for r in records if r["type"].startswith("work_")]


async def test_clear_history_1_after_a_clear_history_0_close_cancels_the_kept_round(
    world: World,
) -> None:
    expect(await world.casino.close_a(close_body(clear="0", game=None)), 200, SUCCESS)
    assert await world.casino.status(world.r1) == "InProgress"
    expect(await world.casino.close_a(close_body(clear="1", game=PUMPKIN)), 200, SUCCESS)
    assert await world.casino.status(world.r1) == "CancelInProcess"
    records = await lifecycle(world.container, world.tenant, world.pumpkin_session)
    assert [r["type"] for r in records].count("work_cancel_requested") == 1


async def test_clear_history_1_for_one_game_keeps_the_other_games_round_resumable(
    world: World,
) -> None:
    kelly_round = await world.casino.new_round(world.kelly)
    expect(await world.casino.close_a(close_body(clear="1", game=PUMPKIN)), 200, SUCCESS)
    expect(await world.casino.close_a(close_body(clear="0", game=KELLY)), 200, SUCCESS)
    assert await world.casino.status(kelly_round) == "InProgress"
    token = await world.casino.start_b(game=KELLY)
    resumed = (await world.casino.start_round(token)).json()
    assert (resumed["resumed"], resumed["round"]["roundId"]) == (True, kelly_round)


async def test_a_resumed_round_can_be_finished_by_the_new_session(world: World) -> None:
    expect(await world.casino.close_a(close_body(clear="0")), 200, SUCCESS)
    await expect_resumable(world)
    token = await world.casino.start_b(game=PUMPKIN)
    response = await world.casino.finish(token, world.r1, {"win": 4})
    assert response.status_code == 200, response.text
    assert await world.casino.status(world.r1) == "Completed"


async def test_a_round_nobody_resumes_is_auto_closed_after_24_hours(
    world: World, clock: FakeClock
) -> None:
    """Spec §2.2 [PROPOSAL]: with clearHistory=0, "if nobody resumes it, Auto-Closing settles
    it after 24 h (status -> CompleteInProcess, then Result)"."""
    expect(await world.casino.close_a(close_body(clear="0")), 200, SUCCESS)
    clock.advance(24 * 3600 + 60)
    await world.container.sweeper.sweep_once()
    await world.container.sweeper.settle_cancellations()
    assert await world.casino.status(world.r1) in ("CompleteInProcess", "Completed")


async def test_a_casino_close_records_each_session_s_billed_minutes_and_end_as_it_reads(
    world: World, clock: FakeClock
) -> None:
    clock.advance(150.5)
    expect(await world.casino.close_a(close_body(game=None)), 200, SUCCESS)
    c, tenant_pk = world.container, world.tenant.pk
    for sid in (world.pumpkin_session, world.kelly_session):
        session = await c.sessions.get(tenant_pk, sid)
        [closed] = [
            r
            for r in await c.stream.page(tenant_pk, (-1, 0), 100)
            if r.type == "closed" and r.session_id == sid
        ]
        assert session.closed_at is not None and session.billed_minutes(clock.now()) == 3
        assert closed.data == {"billed_minutes": 3, "ended_at": session.closed_at}
