"""Concurrent requests: replayed closes queue one refund, parallel round starts open one round."""

from __future__ import annotations

import asyncio

from .conftest import World
from .expectations import expect
from .helpers import PUMPKIN, SUCCESS, close_body, lifecycle


async def test_parallel_replays_of_a_clearing_close_queue_exactly_one_refund(world: World) -> None:
    body = close_body()
    responses = await asyncio.gather(*(world.casino.close_a(body) for _ in range(6)))
    for response in responses:
        expect(response, 200, SUCCESS)
    records = await lifecycle(world.container, world.tenant, world.pumpkin_session)
    assert [r["type"] for r in records].count("work_cancel_requested") == 1
    assert await world.container.sweeper.settle_cancellations() == 1


async def test_parallel_round_starts_in_one_session_share_one_round(world: World) -> None:
    await world.casino.finish(world.pumpkin, world.r1)
    responses = await asyncio.gather(*(world.casino.start_round(world.pumpkin) for _ in range(6)))
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
    ids = {r.json()["round"]["roundId"] for r in responses}
    assert len(ids) == 1
    assert sorted(r.json()["resumed"] for r in responses) == [False] + [True] * 5
    listing = await world.casino.history("GetGameRounds", {"gameId": PUMPKIN, "userId": "tester"})
    assert listing.json()["totalRounds"] == 2
