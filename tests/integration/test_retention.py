"""Rule 2's limit: an ended session stays readable with its events until the tenant's retention
removes it, and retention never touches live sessions or other tenants."""

from __future__ import annotations

import pytest

from sessionary.bootstrap import Container
from sessionary.domain.errors import SessionNotFound
from sessionary.domain.model import Event, Tenant, TenantPolicy
from sessionary.domain.session import Status
from tests.conftest import TEST_ACTOR
from tests.support import FakeClock

from .helpers import all_events, batch, open_session

HOUR = 3600


async def stored_events(container: Container, session_pk: int) -> list[Event]:
    async with container.database.unit_of_work(write=False) as uow:
        rows: list[Event] = await uow.events.list(session_pk, 0, None, 100)
        await uow.commit()
    return rows


async def test_an_ended_session_stays_readable_until_its_retention_runs_out(
    container: Container, tenant: Tenant, clock: FakeClock
) -> None:
    await container.tenants.set_policy(tenant.pk, TenantPolicy(retention_days=1), TEST_ACTOR)
    ended = await open_session(container, tenant.pk, "u1")
    await container.events.append(tenant.pk, ended.id, batch(3))
    await container.sessions.close(tenant.pk, ended.id, TEST_ACTOR)
    clock.advance(23 * HOUR)
    assert await container.sweeper.apply_retention() == 0
    assert len(await all_events(container, tenant.pk, ended.id)) == 3
    clock.advance(2 * HOUR)
    assert await container.sweeper.apply_retention() == 1
    with pytest.raises(SessionNotFound):
        await container.sessions.get(tenant.pk, ended.id)
    with pytest.raises(SessionNotFound):
        await container.events.read(tenant.pk, ended.id, 0, None, 10)
    assert await stored_events(container, ended.pk) == []


async def test_retention_spares_live_sessions_and_other_tenants(
    container: Container, tenant: Tenant, other_tenant: Tenant, clock: FakeClock
) -> None:
    await container.tenants.set_policy(tenant.pk, TenantPolicy(retention_days=1), TEST_ACTOR)
    live = await open_session(container, tenant.pk, "u1")
    elsewhere = await open_session(container, other_tenant.pk, "u1")
    await container.sessions.close(other_tenant.pk, elsewhere.id, TEST_ACTOR)
    clock.advance(30 * 24 * HOUR)
    assert await container.sweeper.apply_retention() == 0
    assert (await container.sessions.get(tenant.pk, live.id)).status is Status.ACTIVE
    assert (await container.sessions.get(other_tenant.pk, elsewhere.id)).status is Status.CLOSED


async def test_an_expired_session_counts_from_its_expiry_for_retention(
    container: Container, tenant: Tenant, clock: FakeClock
) -> None:
    await container.tenants.set_policy(tenant.pk, TenantPolicy(retention_days=1), TEST_ACTOR)
    session = await open_session(container, tenant.pk, "u1", idle_timeout_s=HOUR)
    clock.advance(24 * HOUR + 30 * 60)
    assert await container.sweeper.sweep_once() == 1
    assert await container.sweeper.apply_retention() == 0
    clock.advance(HOUR)
    assert await container.sweeper.apply_retention() == 1
    with pytest.raises(SessionNotFound):
        await container.sessions.get(tenant.pk, session.id)
