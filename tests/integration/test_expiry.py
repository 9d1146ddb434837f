"""Rule 4: expiry is exact without a sweeper. A due session reads as expired at once, and the
first write that meets it makes the expiry durable with exactly one lifecycle record."""

from __future__ import annotations

import asyncio

import pytest

from sessionary.bootstrap import Container, build
from sessionary.config import Settings
from sessionary.domain.errors import SessionNotActive
from sessionary.domain.model import SECOND, Tenant
from sessionary.domain.ports import SessionFilter
from sessionary.domain.session import CloseReason, Status
from tests.conftest import TEST_ACTOR
from tests.support import FakeClock

from .helpers import OPERATIONS, all_events, batch, open_session, record_types, records

WRITES = ("append", "close", "extend")


async def test_a_session_is_active_until_the_instant_it_expires(
    container: Container, tenant: Tenant, clock: FakeClock
) -> None:
    session = await open_session(container, tenant.pk, "u1", idle_timeout_s=30)
    assert session.expires_at == session.opened_at + 30 * SECOND
    clock.advance(29.999999)
    assert (await container.sessions.get(tenant.pk, session.id)).is_live(clock.now())
    clock.advance(0.000001)
    stored = await container.sessions.get(tenant.pk, session.id)
    assert stored.effective_status(clock.now()) is Status.EXPIRED
    assert stored.effective_close_reason(clock.now()) is CloseReason.IDLE_TIMEOUT
    assert stored.ended_at(clock.now()) == session.expires_at
    assert stored.status is Status.ACTIVE  # reads never write; the record waits for a write
    assert await record_types(container, session.pk) == ["opened"]


@pytest.mark.parametrize("first", WRITES)
async def test_a_write_past_expiry_is_refused_and_makes_the_expiry_durable_once(
    container: Container, tenant: Tenant, clock: FakeClock, first: str
) -> None:
    session = await open_session(container, tenant.pk, "u1", idle_timeout_s=30)
    await container.events.append(tenant.pk, session.id, batch(2))
    expires_at = (await container.sessions.get(tenant.pk, session.id)).expires_at
    clock.advance(45)
    for name in (first, *WRITES):
        with pytest.raises(SessionNotActive) as refused:
            await OPERATIONS[name](container, tenant.pk, session.id)
        assert refused.value.data["status"] == "expired"
    stored = await container.sessions.get(tenant.pk, session.id)
    assert (stored.status, stored.closed_at) == (Status.EXPIRED, expires_at)
    assert stored.close_reason is CloseReason.IDLE_TIMEOUT
    assert stored.last_seq == 2
    expired = [r for r in await records(container, session.pk) if r.type == "expired"]
    assert [(r.at, r.reason) for r in expired] == [(expires_at, "idle_timeout")]
    assert len(await all_events(container, tenant.pk, session.id)) == 2


async def test_activity_pushes_the_idle_expiry_forward(
    container: Container, tenant: Tenant, clock: FakeClock
) -> None:
    session = await open_session(container, tenant.pk, "u1", idle_timeout_s=30)
    clock.advance(20)
    await container.events.append(tenant.pk, session.id, batch(1))
    clock.advance(20)
    stored = await container.sessions.get(tenant.pk, session.id)
    assert stored.is_live(clock.now())
    assert stored.expires_at == session.opened_at + 50 * SECOND


async def test_activity_never_pushes_expiry_past_the_max_lifetime(
    container: Container, tenant: Tenant, clock: FakeClock
) -> None:
    session = await open_session(container, tenant.pk, "u1", idle_timeout_s=10, max_lifetime_s=25)
    for _ in range(3):
        clock.advance(8)
        await container.events.append(tenant.pk, session.id, batch(1))
    clock.advance(1)
    with pytest.raises(SessionNotActive):
        await container.events.append(tenant.pk, session.id, batch(1))
    stored = await container.sessions.get(tenant.pk, session.id)
    assert stored.closed_at == session.opened_at + 25 * SECOND
    assert stored.close_reason is CloseReason.MAX_LIFETIME
    assert await record_types(container, session.pk) == ["opened", "expired"]


async def test_extend_sets_expiry_from_now_capped_by_the_lifetime(
    container: Container, tenant: Tenant, clock: FakeClock
) -> None:
    session = await open_session(container, tenant.pk, "u1", idle_timeout_s=30, max_lifetime_s=100)
    clock.advance(20)
    extended = await container.sessions.extend(tenant.pk, session.id, 50, TEST_ACTOR)
    assert extended.expires_at == clock.now() + 50 * SECOND
    clock.advance(40)
    capped = await container.sessions.extend(tenant.pk, session.id, 50, TEST_ACTOR)
    assert capped.expires_at == session.opened_at + 100 * SECOND
    extends = [r for r in await records(container, session.pk) if r.type == "extended"]
    assert [r.data["expires_at"] for r in extends] == [extended.expires_at, capped.expires_at]


async def test_listing_by_status_counts_a_due_session_as_expired(
    container: Container, tenant: Tenant, clock: FakeClock
) -> None:
    due = await open_session(container, tenant.pk, "u1", idle_timeout_s=30)
    live = await open_session(container, tenant.pk, "u2", idle_timeout_s=300)
    clock.advance(60)
    now = clock.now()
    active = await container.sessions.list(tenant.pk, SessionFilter(now, Status.ACTIVE), None, 10)
    expired = await container.sessions.list(tenant.pk, SessionFilter(now, Status.EXPIRED), None, 10)
    assert [s.id for s in active.items] == [live.id]
    assert [s.id for s in expired.items] == [due.id]


async def test_deleting_a_due_session_records_its_expiry_before_the_delete(
    container: Container, tenant: Tenant, clock: FakeClock
) -> None:
    session = await open_session(container, tenant.pk, "u1", idle_timeout_s=120)
    clock.advance(600)
    deleted = await container.sessions.delete(tenant.pk, session.id, TEST_ACTOR)
    assert (deleted.closed_at, deleted.close_reason) == (
        session.expires_at,
        CloseReason.IDLE_TIMEOUT,
    )
    assert deleted.billed_minutes(clock.now()) == 2
    assert await record_types(container, session.pk) == ["opened", "expired", "deleted"]


async def test_concurrent_writes_on_a_due_session_expire_it_exactly_once(
    container: Container, tenant: Tenant, clock: FakeClock
) -> None:
    session = await open_session(container, tenant.pk, "u1", idle_timeout_s=30)
    clock.advance(31)
    writes = [OPERATIONS[name] for name in WRITES] * 7
    outcomes = await asyncio.gather(
        *(write(container, tenant.pk, session.id) for write in writes), return_exceptions=True
    )
    assert all(isinstance(o, SessionNotActive) for o in outcomes), outcomes
    assert await record_types(container, session.pk) == ["opened", "expired"]


async def test_a_session_seen_expired_never_comes_back_to_life(
    container: Container, tenant: Tenant, clock: FakeClock, settings: Settings
) -> None:
    """An append that waited for the row while the expiry instant passed must not revive it."""
    session = await open_session(container, tenant.pk, "u1", idle_timeout_s=30)
    clock.advance(29)
    reader = build(settings, clock=clock)  # its own connection: reads do not queue behind us
    try:
        async with container.database.unit_of_work() as holder:
            await holder.sessions.lock(tenant.pk, session.id)
            append = asyncio.ensure_future(container.events.append(tenant.pk, session.id, batch(1)))
            await asyncio.sleep(0.05)
            clock.advance(2)
            seen = await reader.sessions.get(tenant.pk, session.id)
            assert seen.effective_status(clock.now()) is Status.EXPIRED
            await holder.rollback()
        await asyncio.gather(append, return_exceptions=True)
        later = await reader.sessions.get(tenant.pk, session.id)
    finally:
        await reader.close()
    revived = (later.effective_status(clock.now()), later.last_seq, later.expires_at)
    assert revived == (Status.EXPIRED, 0, session.expires_at)


@pytest.mark.parametrize("name", WRITES)
async def test_a_write_that_waited_for_the_row_while_the_session_fell_due_finds_it_expired(
    name: str, container: Container, tenant: Tenant, clock: FakeClock
) -> None:
    """Whatever path a write takes (one step or general), its clock is read once it holds the
    row: a close that waited past the expiry instant must not end the session as closed."""
    session = await open_session(container, tenant.pk, "u1", idle_timeout_s=30)
    clock.advance(29)
    async with container.database.unit_of_work() as holder:
        await holder.sessions.lock(tenant.pk, session.id)
        waiting = asyncio.ensure_future(OPERATIONS[name](container, tenant.pk, session.id))
        await asyncio.sleep(0.05)
        clock.advance(2)
        await holder.rollback()
    outcome = await asyncio.gather(waiting, return_exceptions=True)
    assert isinstance(outcome[0], SessionNotActive), outcome
    after = await container.sessions.get(tenant.pk, session.id)
    assert after is not None
    assert (after.status, after.closed_at, after.last_seq) == (
        Status.EXPIRED,
        session.expires_at,
        0,
    )
    assert await record_types(container, session.pk) == ["opened", "expired"]
