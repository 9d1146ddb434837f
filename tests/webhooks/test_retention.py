"""Retention in batches keeps storage bounded under constant churn."""

from __future__ import annotations

from sqlalchemy import Table, func, select

from sessionary.bootstrap import Container, build
from sessionary.config import Settings
from sessionary.domain.model import Tenant, TenantPolicy
from sessionary.services.sessions import OpenRequest
from sessionary.storage.tables import events, lifecycle, sessions
from tests.conftest import TEST_ACTOR
from tests.integration.helpers import batch
from tests.support import FakeClock


async def _count(container: Container, table: Table) -> int:
    async with container.database.unit_of_work(write=False) as uow:
        ex = uow.sessions._ex
        n = (await ex.execute(select(func.count()).select_from(table))).scalar()
        await uow.commit()
    return int(n)


async def test_storage_stays_bounded_under_constant_churn_with_retention(
    settings: Settings, clock: FakeClock
) -> None:
    c = build(settings.model_copy(update={"sweep_batch": 4}), clock=clock)
    try:
        tenant: Tenant = await c.tenants.create("churn", TenantPolicy(retention_days=1), TEST_ACTOR)
        sizes = []
        for day in range(6):
            for n in range(10):
                s = await c.sessions.open(tenant.pk, OpenRequest("user", f"d{day}-{n}"), TEST_ACTOR)
                await c.events.append(tenant.pk, s.id, batch(3))
                await c.sessions.close(tenant.pk, s.id, TEST_ACTOR)
            clock.advance(86_400)
            await c.sweeper.apply_retention()
            sizes.append((await _count(c, sessions), await _count(c, lifecycle)))
        assert sizes[-1] == sizes[-2] == sizes[-3]
        assert sizes[-1][0] <= 20  # at most the last two days of sessions
        assert await _count(c, events) == sizes[-1][0] * 3
    finally:
        await c.close()
