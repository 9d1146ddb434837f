"""Rule 4's sweeper: it makes due expiries durable at the expiry instant, once each, and leaves
everything that is not due alone, however many sweeps and writers run at once."""

from __future__ import annotations

import asyncio

import pytest

from sessionary.bootstrap import Container, build
from sessionary.config import Settings
from sessionary.domain.errors import SessionNotActive
from sessionary.domain.model import SECOND, Tenant
from sessionary.domain.session import CloseReason, Status
from tests.conftest import TEST_ACTOR
from tests.support import FakeClock

from .helpers import all_events, batch, open_session, record_types, records


async def test_the_sweeper_expires_an_idle_session_at_its_expiry_instant(
    container: Container, tenant: Tenant, clock: FakeClock
) -> None:
    session = await open_session(container, tenant.pk, "u1", idle_timeout_s=30)
    await container.events.append(tenant.pk, session.id, batch(3))
    expires_at = (await container.sessions.get(tenant.pk, session.id)).expires_at
    clock.advance(500)
    assert await container.sweeper.sweep_once() == 1
    stored = await container.sessions.get(tenant.pk, session.id)
    assert (stored.status, stored.closed_at) == (Status.EXPIRED, expires_at)
    assert stored.close_reason is CloseReason.IDLE_TIMEOUT
    expired = [r for r in await records(container, session.pk) if r.type == "expired"]
    assert [(r.at, r.reason) for r in expired] == [(expires_at, "idle_timeout")]
    assert len(await all_events(container, tenant.pk, session.id)) == 3


async def test_the_sweeper_gives_max_lifetime_as_the_reason_at_the_deadline(
    container: Container, tenant: Tenant, clock: FakeClock
) -> None:
    session = await open_session(container, tenant.pk, "u1", max_lifetime_s=60)
    clock.advance(61)
    assert await container.sweeper.sweep_once() == 1
    stored = await container.sessions.get(tenant.pk, session.id)
    assert stored.closed_at == session.opened_at + 60 * SECOND
    assert stored.close_reason is CloseReason.MAX_LIFETIME
    assert await record_types(container, session.pk) == ["opened", "expired"]


async def test_the_sweeper_leaves_sessions_that_are_not_due_alone(
    container: Container, tenant: Tenant, clock: FakeClock
) -> None:
    on_the_edge = await open_session(container, tenant.pk, "u1", idle_timeout_s=30)
    later = await open_session(container, tenant.pk, "u2", idle_timeout_s=31)
    forever = await open_session(container, tenant.pk, "u3")
    closed = await open_session(container, tenant.pk, "u4", idle_timeout_s=1)
    await container.sessions.close(tenant.pk, closed.id, TEST_ACTOR)
    clock.advance(30)
    assert await container.sweeper.sweep_once() == 1
    assert await record_types(container, on_the_edge.pk) == ["opened", "expired"]
    for session in (later, forever):
        stored = await container.sessions.get(tenant.pk, session.id)
        assert (stored.status, stored.closed_at) == (Status.ACTIVE, None)
        assert await record_types(container, session.pk) == ["opened"]
    assert await record_types(container, closed.pk) == ["opened", "closed"]
    assert await container.sweeper.sweep_once() == 0


async def test_the_sweeper_bills_a_swept_session_up_to_its_expiry(
    container: Container, tenant: Tenant, clock: FakeClock
) -> None:
    session = await open_session(container, tenant.pk, "u1", idle_timeout_s=150)
    clock.advance(7200)
    await container.sweeper.sweep_once()
    stored = await container.sessions.get(tenant.pk, session.id)
    assert stored.billed_minutes(clock.now()) == 3


async def test_the_sweeper_works_through_more_due_sessions_than_one_batch(
    container: Container, tenant: Tenant, clock: FakeClock, settings: Settings
) -> None:
    due = [await open_session(container, tenant.pk, f"u{n}", idle_timeout_s=5) for n in range(23)]
    clock.advance(10)
    small = build(settings.model_copy(update={"sweep_batch": 4}), clock=clock)
    try:
        assert await small.sweeper.sweep_once() == 23
    finally:
        await small.close()
    for session in due:
        assert await record_types(container, session.pk) == ["opened", "expired"]


@pytest.mark.slow
async def test_concurrent_sweeps_in_one_process_expire_each_session_once(
    container: Container, tenant: Tenant, clock: FakeClock, settings: Settings
) -> None:
    due = [await open_session(container, tenant.pk, f"u{n}", idle_timeout_s=5) for n in range(60)]
    clock.advance(10)
    small = build(settings.model_copy(update={"sweep_batch": 5}), clock=clock)
    try:
        counts = await asyncio.gather(*(small.sweeper.sweep_once() for _ in range(4)))
    finally:
        await small.close()
    assert sum(counts) == len(due), counts
    for session in due:
        assert await record_types(container, session.pk) == ["opened", "expired"]


@pytest.mark.slow
async def test_a_sweep_racing_writes_on_due_sessions_expires_each_once(
    container: Container, tenant: Tenant, clock: FakeClock
) -> None:
    due = [await open_session(container, tenant.pk, f"u{n}", idle_timeout_s=5) for n in range(30)]
    clock.advance(10)
    sweep = asyncio.ensure_future(container.sweeper.sweep_once())
    writes = await asyncio.gather(
        *(container.events.append(tenant.pk, s.id, batch(1)) for s in due[::2]),
        *(container.sessions.close(tenant.pk, s.id, TEST_ACTOR) for s in due[1::2]),
        return_exceptions=True,
    )
    swept = await sweep
    assert all(isinstance(w, SessionNotActive) for w in writes), writes
    assert swept <= len(due)
    for session in due:
        assert await record_types(container, session.pk) == ["opened", "expired"]
        stored = await container.sessions.get(tenant.pk, session.id)
        assert (stored.status, stored.closed_at) == (Status.EXPIRED, session.expires_at)
