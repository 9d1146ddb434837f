"""An Idempotency-Key claim belongs to the request that made it (services/idempotency.py)."""

from __future__ import annotations

import pytest

from sessionary.bootstrap import Container
from sessionary.domain.errors import IdempotencyInProgress
from sessionary.services.idempotency import STALE_AFTER_S, Claim, Replay, fingerprint
from tests.support import FakeClock

REQUEST = fingerprint("POST", "/v1/sessions?", b"{}")


async def test_a_request_that_outlived_its_claim_leaves_the_takeovers_claim_alone(
    container: Container, clock: FakeClock
) -> None:
    first = await container.idempotency.begin("7:key", REQUEST)
    assert isinstance(first, Claim)
    clock.advance(STALE_AFTER_S + 1)  # e.g. the first request is still queued
    second = await container.idempotency.begin("7:key", REQUEST)  # a retry takes it over
    assert isinstance(second, Claim) and second.at > first.at
    await container.idempotency.complete(first, 201, b'{"late":true}')  # changes nothing
    await container.idempotency.release(first)  # changes nothing
    with pytest.raises(IdempotencyInProgress):
        await container.idempotency.begin("7:key", REQUEST)
    await container.idempotency.complete(second, 201, b'{"ok":true}')
    assert await container.idempotency.begin("7:key", REQUEST) == Replay(201, b'{"ok":true}')


async def test_a_released_claim_lets_the_next_request_claim_the_key(
    container: Container,
) -> None:
    claim = await container.idempotency.begin("7:key", REQUEST)
    assert isinstance(claim, Claim)
    await container.idempotency.release(claim)
    assert isinstance(await container.idempotency.begin("7:key", REQUEST), Claim)
