"""Large bodies share a few slots per worker; small requests never wait."""

from __future__ import annotations

import asyncio

import pytest

from sessionary.domain.errors import RateLimited
from sessionary.services.bulk import LARGE_BODY_BYTES, BulkGate


async def _peak_concurrency(gate: BulkGate, size: int, requests: int) -> int:
    inside, peak = 0, 0

    async def one() -> None:
        nonlocal inside, peak
        async with gate.slot(size):
            inside += 1
            peak = max(peak, inside)
            await asyncio.sleep(0.01)
            inside -= 1

    await asyncio.gather(*(one() for _ in range(requests)))
    return peak


async def test_no_more_large_bodies_are_in_work_at_once_than_there_are_slots() -> None:
    assert await _peak_concurrency(BulkGate(2), LARGE_BODY_BYTES, 10) == 2


async def test_small_bodies_do_not_take_a_slot() -> None:
    assert await _peak_concurrency(BulkGate(2), LARGE_BODY_BYTES - 1, 10) == 10


async def test_a_queued_large_body_gets_its_slot_when_one_frees() -> None:
    gate = BulkGate(1)
    async with gate.slot(LARGE_BODY_BYTES):
        waiter = asyncio.create_task(_peak_concurrency(gate, LARGE_BODY_BYTES, 1))
        await asyncio.sleep(0.02)
        assert not waiter.done()
    assert await asyncio.wait_for(waiter, 5) == 1


async def test_a_large_body_that_waits_past_the_bound_is_refused_as_rate_limited() -> None:
    gate = BulkGate(1, max_wait_s=0.05)
    async with gate.slot(LARGE_BODY_BYTES):
        with pytest.raises(RateLimited) as info:
            async with gate.slot(LARGE_BODY_BYTES):
                pass
    assert info.value.data["retry_after"] == 1
    async with gate.slot(LARGE_BODY_BYTES):  # free at once: the refusal held no slot
        pass
