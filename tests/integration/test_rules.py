"""Design rules 1, 2, 3, 5 and 7 at the service level, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sessionary.bootstrap import Container
from sessionary.domain.errors import SessionNotActive, SessionNotFound
from sessionary.domain.model import SECOND, Micros, Tenant
from sessionary.domain.ports import SessionFilter
from sessionary.domain.session import CloseReason, Status
from tests.conftest import TEST_ACTOR
from tests.support import FakeClock

from .helpers import OPERATIONS, all_events, batch, open_session, record_types


def utc_day(at: Micros) -> datetime:
    return datetime.fromtimestamp(at / SECOND, tz=UTC)


async def test_an_active_session_accepts_events_in_sequence(
    container: Container, tenant: Tenant
) -> None:
    session = await open_session(container, tenant.pk, "u1")
    first = await container.events.append(tenant.pk, session.id, batch(3))
    second = await container.events.append(tenant.pk, session.id, batch(2))
    assert (first.accepted, first.first_seq, first.last_seq) == (3, 1, 3)
    assert (second.accepted, second.first_seq, second.last_seq) == (2, 4, 5)


async def test_an_append_after_close_is_refused_and_stores_nothing(
    container: Container, tenant: Tenant
) -> None:
    session = await open_session(container, tenant.pk, "u1")
    await container.events.append(tenant.pk, session.id, batch(2))
    await container.sessions.close(tenant.pk, session.id, TEST_ACTOR)
    with pytest.raises(SessionNotActive) as refused:
        await container.events.append(tenant.pk, session.id, batch(5))
    assert refused.value.data["status"] == "closed"
    stored = await container.sessions.get(tenant.pk, session.id)
    assert stored.last_seq == 2
    assert [e.seq for e in await all_events(container, tenant.pk, session.id)] == [1, 2]


async def test_a_closed_session_stays_readable_with_all_its_events(
    container: Container, tenant: Tenant
) -> None:
    session = await open_session(container, tenant.pk, "u1")
    for _ in range(3):
        await container.events.append(tenant.pk, session.id, batch(400))
    closed = await container.sessions.close(tenant.pk, session.id, TEST_ACTOR)
    stored = await container.sessions.get(tenant.pk, session.id)
    assert (stored.status, stored.closed_at) == (Status.CLOSED, closed.closed_at)
    assert stored.close_reason is CloseReason.CLIENT
    events = await all_events(container, tenant.pk, session.id)
    assert [e.seq for e in events] == list(range(1, 1201))
    assert events[5].payload == {"i": 5}


async def test_an_expired_session_stays_readable_with_all_its_events(
    container: Container, tenant: Tenant, clock: FakeClock
) -> None:
    session = await open_session(container, tenant.pk, "u1", idle_timeout_s=30)
    await container.events.append(tenant.pk, session.id, batch(4))
    clock.advance(31)
    assert len(await all_events(container, tenant.pk, session.id)) == 4
    assert await container.sweeper.sweep_once() == 1
    stored = await container.sessions.get(tenant.pk, session.id)
    assert stored.status is Status.EXPIRED
    assert len(await all_events(container, tenant.pk, session.id)) == 4


async def test_closing_twice_is_refused_and_records_one_close(
    container: Container, tenant: Tenant
) -> None:
    session = await open_session(container, tenant.pk, "u1")
    first = await container.sessions.close(tenant.pk, session.id, TEST_ACTOR)
    with pytest.raises(SessionNotActive) as again:
        await container.sessions.close(tenant.pk, session.id, TEST_ACTOR)
    assert again.value.data["status"] == "closed"
    stored = await container.sessions.get(tenant.pk, session.id)
    assert stored.closed_at == first.closed_at
    assert await record_types(container, session.pk) == ["opened", "closed"]


async def test_deleting_twice_answers_not_found_and_records_one_delete(
    container: Container, tenant: Tenant
) -> None:
    session = await open_session(container, tenant.pk, "u1")
    await container.sessions.delete(tenant.pk, session.id, TEST_ACTOR)
    with pytest.raises(SessionNotFound):
        await container.sessions.delete(tenant.pk, session.id, TEST_ACTOR)
    assert await record_types(container, session.pk) == ["opened", "deleted"]


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
async def test_a_deleted_session_answers_like_an_unknown_one(
    container: Container, tenant: Tenant, operation: str
) -> None:
    session = await open_session(container, tenant.pk, "u1")
    await container.events.append(tenant.pk, session.id, batch(2))
    await container.sessions.delete(tenant.pk, session.id, TEST_ACTOR)
    with pytest.raises(SessionNotFound):
        await OPERATIONS[operation](container, tenant.pk, session.id)
    assert await record_types(container, session.pk) == ["opened", "deleted"]


async def test_deleting_a_closed_session_keeps_its_close_time_and_reason(
    container: Container, tenant: Tenant, clock: FakeClock
) -> None:
    session = await open_session(container, tenant.pk, "u1")
    closed = await container.sessions.close(tenant.pk, session.id, TEST_ACTOR)
    clock.advance(600)
    deleted = await container.sessions.delete(tenant.pk, session.id, TEST_ACTOR)
    assert (deleted.closed_at, deleted.close_reason) == (closed.closed_at, CloseReason.CLIENT)
    assert deleted.billed_minutes(clock.now()) == 0
    assert await record_types(container, session.pk) == ["opened", "closed", "deleted"]


@pytest.mark.parametrize(("seconds", "minutes"), [(0, 0), (1, 1), (60, 1), (61, 2), (3600, 60)])
async def test_billed_minutes_are_active_seconds_rounded_up_to_minutes(
    container: Container, tenant: Tenant, clock: FakeClock, seconds: int, minutes: int
) -> None:
    session = await open_session(container, tenant.pk, "u1")
    clock.advance(seconds)
    closed = await container.sessions.close(tenant.pk, session.id, TEST_ACTOR)
    clock.advance(3600)
    assert closed.billed_minutes(clock.now()) == minutes
    stored = await container.sessions.get(tenant.pk, session.id)
    assert stored.billed_minutes(clock.now()) == minutes


async def test_a_live_session_bills_up_to_now(
    container: Container, tenant: Tenant, clock: FakeClock
) -> None:
    session = await open_session(container, tenant.pk, "u1")
    clock.advance(125)
    stored = await container.sessions.get(tenant.pk, session.id)
    assert stored.billed_minutes(clock.now()) == 3


async def test_an_unmetered_session_bills_no_minutes(
    container: Container, tenant: Tenant, clock: FakeClock
) -> None:
    session = await open_session(container, tenant.pk, "u1", metered=False)
    clock.advance(600)
    closed = await container.sessions.close(tenant.pk, session.id, TEST_ACTOR)
    assert closed.billed_minutes(clock.now()) == 0


async def test_an_expired_session_bills_up_to_its_expiry_only(
    container: Container, tenant: Tenant, clock: FakeClock
) -> None:
    session = await open_session(container, tenant.pk, "u1", idle_timeout_s=90)
    clock.advance(3600)
    stored = await container.sessions.get(tenant.pk, session.id)
    assert stored.billed_minutes(clock.now()) == 2
    await container.sweeper.sweep_once()
    swept = await container.sessions.get(tenant.pk, session.id)
    assert swept.billed_minutes(clock.now()) == 2


async def test_the_usage_report_bills_ended_sessions_on_their_end_day(
    container: Container, tenant: Tenant, clock: FakeClock
) -> None:
    first = await open_session(container, tenant.pk, "u1")
    second = await open_session(container, tenant.pk, "u2", metered=False)
    clock.advance(61)
    await container.sessions.close(tenant.pk, first.id, TEST_ACTOR)
    await container.sessions.close(tenant.pk, second.id, TEST_ACTOR)
    day = utc_day(clock.now()).date()
    report = await container.usage.report(tenant.pk, day, day)
    assert (report.ended, report.billed_minutes) == (2, 2)


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
async def test_another_tenants_session_id_answers_like_an_unknown_id(
    container: Container, tenant: Tenant, other_tenant: Tenant, operation: str
) -> None:
    session = await open_session(container, tenant.pk, "u1")
    with pytest.raises(SessionNotFound) as unknown:
        await OPERATIONS[operation](container, other_tenant.pk, "ses_does_not_exist")
    with pytest.raises(SessionNotFound) as foreign:
        await OPERATIONS[operation](container, other_tenant.pk, session.id)
    assert foreign.value.message == unknown.value.message
    assert foreign.value.data == {"id": session.id}
    assert unknown.value.data == {"id": "ses_does_not_exist"}
    stored = await container.sessions.get(tenant.pk, session.id)
    assert (stored.status, stored.last_seq) == (Status.ACTIVE, 0)
    assert await record_types(container, session.pk) == ["opened"]


async def test_another_tenant_neither_lists_nor_closes_a_subjects_sessions(
    container: Container, tenant: Tenant, other_tenant: Tenant, clock: FakeClock
) -> None:
    session = await open_session(container, tenant.pk, "u1")
    closed = await container.sessions.close_for_subject(
        other_tenant.pk, "user", "u1", None, TEST_ACTOR
    )
    assert closed == []
    page = await container.sessions.list(other_tenant.pk, SessionFilter(now=clock.now()), None, 50)
    assert page.items == []
    assert await record_types(container, session.pk) == ["opened"]
