"""A webhook batch interrupted by the server's stop is handed back at once, not left leased."""

from __future__ import annotations

import asyncio

from sessionary.bootstrap import Container
from sessionary.domain.model import Tenant
from sessionary.domain.webhooks import DeliveryStatus
from sessionary.services.sessions import OpenRequest
from tests.conftest import TEST_ACTOR
from tests.support import FakeClock

from .receiver import Receiver


class HangingSender:
    """Posts that never answer, like a receiver stuck while the server stops."""

    def __init__(self) -> None:
        self.started = asyncio.Event()

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        self.started.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


async def test_a_batch_cancelled_mid_post_is_due_again_at_once_and_another_node_delivers_it(
    container: Container, tenant: Tenant, clock: FakeClock, receiver: Receiver
) -> None:
    hook = (await container.webhooks.create(tenant.pk, receiver.url, [], TEST_ACTOR)).webhook
    await container.sessions.open(tenant.pk, OpenRequest("user", "u1"), TEST_ACTOR)
    dispatcher = container.dispatcher
    hanging = HangingSender()
    real_sender, dispatcher._sender = dispatcher._sender, hanging
    await dispatcher.fan_out_once()
    stuck = asyncio.create_task(dispatcher.deliver_once())
    await asyncio.wait_for(hanging.started.wait(), 10)

    stuck.cancel()  # what the lifespan shutdown does to the webhook worker
    await asyncio.gather(stuck, return_exceptions=True)

    deliveries, _ = await container.webhooks.deliveries(tenant.pk, hook.id)
    assert [(d.status, d.attempts) for d in deliveries] == [(DeliveryStatus.PENDING, 0)]
    assert deliveries[0].next_attempt_at <= clock.now()
    dispatcher._sender = real_sender  # "another node": the clock has not moved past any lease
    assert await dispatcher.deliver_once() == 1
    assert [p.type for p in receiver.accepted()] == ["opened"]
