"""Rule 6: every state change writes exactly one lifecycle record, in the same transaction as
the change; a change that does not happen leaves no record."""

from __future__ import annotations

import pytest

from sessionary.bootstrap import Container
from sessionary.domain.changes import Change, One, Step
from sessionary.domain.errors import Conflict, Forbidden, InvalidInput, SessionNotActive
from sessionary.domain.model import LifecycleRecord, Tenant, TenantPolicy
from sessionary.domain.session import CloseReason, Status
from sessionary.services.changes import change_one
from sessionary.services.sessions import OpenRequest
from tests.conftest import TEST_ACTOR
from tests.support import FakeClock

from .helpers import batch, open_session, record_types, records


async def tenant_feed(container: Container, tenant_pk: int) -> list[LifecycleRecord]:
    async with container.database.unit_of_work(write=False) as uow:
        feed: list[LifecycleRecord] = await uow.lifecycle.stream(tenant_pk, (-1, 0), 1000)
        await uow.commit()
    return feed


async def test_a_whole_life_writes_one_record_per_state_change(
    container: Container, tenant: Tenant, clock: FakeClock
) -> None:
    session = await open_session(container, tenant.pk, "u1", idle_timeout_s=60)
    clock.advance(10)
    await container.events.append(tenant.pk, session.id, batch(5))
    clock.advance(10)
    extended = await container.sessions.extend(tenant.pk, session.id, 300, TEST_ACTOR)
    clock.advance(10)
    closed = await container.sessions.close(tenant.pk, session.id, TEST_ACTOR)
    clock.advance(10)
    await container.sessions.delete(tenant.pk, session.id, TEST_ACTOR)
    found = await records(container, session.pk)
    assert [(r.type, r.at, r.reason) for r in found] == [
        ("opened", session.opened_at, None),
        ("extended", closed.opened_at + 20_000_000, None),
        ("closed", closed.closed_at, "client"),
        ("deleted", clock.now(), "deleted"),
    ]
    assert found[1].data == {"expires_at": extended.expires_at}
    assert {(r.tenant_pk, r.session_id) for r in found} == {(tenant.pk, session.id)}


async def test_appending_events_writes_no_lifecycle_record(
    container: Container, tenant: Tenant
) -> None:
    session = await open_session(container, tenant.pk, "u1")
    for _ in range(3):
        await container.events.append(tenant.pk, session.id, batch(10))
    assert await record_types(container, session.pk) == ["opened"]


@pytest.mark.parametrize("reason", [CloseReason.CLIENT, CloseReason.ADMIN])
async def test_a_close_records_its_reason(
    container: Container, tenant: Tenant, reason: CloseReason
) -> None:
    session = await open_session(container, tenant.pk, "u1")
    await container.sessions.close(tenant.pk, session.id, TEST_ACTOR, reason)
    closed = [r for r in await records(container, session.pk) if r.type == "closed"]
    assert [r.reason for r in closed] == [reason.value]


async def test_a_refused_extend_writes_no_record_and_changes_nothing(
    container: Container, tenant: Tenant
) -> None:
    session = await open_session(container, tenant.pk, "u1", idle_timeout_s=60)
    with pytest.raises(InvalidInput):
        await container.sessions.extend(tenant.pk, session.id, 0, TEST_ACTOR)
    await container.tenants.set_policy(tenant.pk, TenantPolicy(allow_extend=False), TEST_ACTOR)
    with pytest.raises(Forbidden):
        await container.sessions.extend(tenant.pk, session.id, 600, TEST_ACTOR)
    stored = await container.sessions.get(tenant.pk, session.id)
    assert (stored.expires_at, stored.version) == (session.expires_at, session.version)
    assert await record_types(container, session.pk) == ["opened"]


async def test_an_extend_without_any_ttl_is_invalid_and_writes_no_record(
    container: Container, tenant: Tenant
) -> None:
    session = await open_session(container, tenant.pk, "u1")
    with pytest.raises(InvalidInput):
        await container.sessions.extend(tenant.pk, session.id, None, TEST_ACTOR)
    assert await record_types(container, session.pk) == ["opened"]


async def test_a_refused_close_writes_no_record(container: Container, tenant: Tenant) -> None:
    session = await open_session(container, tenant.pk, "u1")
    await container.sessions.close(tenant.pk, session.id, TEST_ACTOR)
    with pytest.raises(SessionNotActive):
        await container.sessions.close(tenant.pk, session.id, TEST_ACTOR, CloseReason.ADMIN)
    assert await record_types(container, session.pk) == ["opened", "closed"]


async def test_an_open_that_fails_leaves_neither_session_nor_record(
    container: Container, tenant: Tenant
) -> None:
    await open_session(container, tenant.pk, "u1", id="ses_fixed")
    before = await tenant_feed(container, tenant.pk)
    with pytest.raises(Conflict):
        await container.sessions.open(
            tenant.pk, OpenRequest("user", "u2", id="ses_fixed", supersede=True), TEST_ACTOR
        )
    assert await tenant_feed(container, tenant.pk) == before
    stored = await container.sessions.get(tenant.pk, "ses_fixed")
    assert (stored.subject_id, stored.status) == ("u1", Status.ACTIVE)


async def test_a_close_rolled_back_takes_its_record_with_it(
    container: Container, tenant: Tenant, clock: FakeClock
) -> None:
    session = await open_session(container, tenant.pk, "u1")
    async with container.database.unit_of_work() as uow:
        # Held first, as a use case that composes the close with other statements does: the
        # one-step close alone commits with its statement on PostgreSQL.
        await uow.sessions.lock(tenant.pk, session.id)
        close = Change(Step.CLOSE, One(tenant.pk, session.id), 0, reason=CloseReason.ADMIN)
        await change_one(uow, clock, close)
        await uow.rollback()
    stored = await container.sessions.get(tenant.pk, session.id)
    assert (stored.status, stored.closed_at) == (Status.ACTIVE, None)
    assert await record_types(container, session.pk) == ["opened"]


async def test_the_tenant_feed_holds_every_record_in_commit_order(
    container: Container, tenant: Tenant, other_tenant: Tenant
) -> None:
    first = await open_session(container, tenant.pk, "u1")
    second = await open_session(container, tenant.pk, "u1", supersede=True)
    await open_session(container, other_tenant.pk, "u1")
    await container.sessions.delete(tenant.pk, second.id, TEST_ACTOR)
    feed = await tenant_feed(container, tenant.pk)
    assert [(r.session_id, r.type, r.reason) for r in feed] == [
        (first.id, "opened", None),
        (first.id, "closed", "superseded"),
        (second.id, "opened", None),
        (second.id, "deleted", "deleted"),
    ]
    ids = [r.id for r in feed if r.id is not None]
    assert ids == sorted(ids) and len(ids) == len(feed)
