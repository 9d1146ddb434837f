"""At most N open dedicated sessions per client (spec §6; ``pagos_max_sessions_per_client``),
and the idle timeout (5 minutes by default, a tenant's policy overrides it)."""

from __future__ import annotations

import asyncio

import pytest

from sessionary.bootstrap import Container
from sessionary.config import Settings
from sessionary.domain.model import Tenant, TenantPolicy
from tests.conftest import TEST_ACTOR, key_headers
from tests.support import FakeClock

from .helpers import (
    SESSION_GONE,
    TOO_MANY,
    Pagos,
    PagosClient,
    close_failure,
    expect,
    native_sessions,
    new_app,
    new_client,
    open_failure,
)

LIMIT = 3


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        sweep_interval_s=0,
        environment="test",
        pagos_max_sessions_per_client=LIMIT,
    )


async def fill(pagos: Pagos, token: str, app: str, count: int = LIMIT) -> list[str]:
    return [await pagos.open_session(token, app) for _ in range(count)]


async def test_an_open_past_the_limit_is_refused(
    pagos: Pagos, token: str, app_a: str, native: dict[str, str]
) -> None:
    await fill(pagos, token, app_a)
    expect(await pagos.open(token, {"ApplicationKey": app_a}), open_failure(TOO_MANY))
    assert len(await native_sessions(pagos.client, native)) == LIMIT


async def test_the_limit_counts_sessions_of_every_application_of_the_client(
    pagos: Pagos, token: str, app_a: str, app_b: str
) -> None:
    await fill(pagos, token, app_a, LIMIT - 1)
    await pagos.open_session(token, app_b)
    expect(await pagos.open(token, {"ApplicationKey": app_a}), open_failure(TOO_MANY))


async def test_closing_a_session_frees_a_slot(pagos: Pagos, token: str, app_a: str) -> None:
    first, *_ = await fill(pagos, token, app_a)
    await pagos.close_session(token, app_a, first)
    await pagos.open_session(token, app_a)
    expect(await pagos.open(token, {"ApplicationKey": app_a}), open_failure(TOO_MANY))


async def test_expired_sessions_do_not_count(
    pagos: Pagos, token: str, app_a: str, clock: FakeClock
) -> None:
    await fill(pagos, token, app_a)
    clock.advance(301)
    await fill(pagos, token, app_a)


async def test_the_limit_is_per_client_and_tokens_of_one_client_share_it(
    pagos: Pagos, token: str, app_a: str, pagos_client: PagosClient, second_client: PagosClient
) -> None:
    await fill(pagos, token, app_a, LIMIT - 1)
    another_token = await pagos.token(pagos_client)
    await pagos.open_session(another_token, app_a)
    expect(await pagos.open(token, {"ApplicationKey": app_a}), open_failure(TOO_MANY))
    await fill(pagos, await pagos.token(second_client), app_a)


async def test_concurrent_opens_never_exceed_the_limit(
    pagos: Pagos, token: str, app_a: str, native: dict[str, str]
) -> None:
    responses = await asyncio.gather(
        *(pagos.open(token, {"ApplicationKey": app_a}) for _ in range(4 * LIMIT))
    )
    successes = [r for r in responses if r.json()["Success"]]
    assert {r.json()["Messages"][0] for r in responses if not r.json()["Success"]} <= {TOO_MANY}
    live = [s for s in await native_sessions(pagos.client, native) if s["status"] == "active"]
    assert (len(successes), len(live)) == (LIMIT, LIMIT)


async def test_an_open_refused_by_the_limit_leaves_no_row_record_or_audit_entry(
    pagos: Pagos, container: Container, tenant: Tenant, token: str, app_a: str
) -> None:
    """The new session is written before the limit is counted (services/sessions.py): a
    refused open must roll all of it back."""
    await fill(pagos, token, app_a)
    before = await trail(container, tenant)
    expect(await pagos.open(token, {"ApplicationKey": app_a}), open_failure(TOO_MANY))
    assert await trail(container, tenant) == before


async def test_rounds_of_concurrent_opens_and_closes_never_exceed_the_limit(
    pagos: Pagos, token: str, app_a: str, native: dict[str, str]
) -> None:
    for _ in range(5):
        responses = await asyncio.gather(
            *(pagos.open(token, {"ApplicationKey": app_a}) for _ in range(4 * LIMIT))
        )
        opened = [r.json()["SessionId"] for r in responses if r.json()["Success"]]
        live = [s for s in await native_sessions(pagos.client, native) if s["status"] == "active"]
        assert (len(opened), len(live)) == (LIMIT, LIMIT)
        await asyncio.gather(*(pagos.close_session(token, app_a, sid) for sid in opened))


async def trail(container: Container, tenant: Tenant) -> tuple[int, int, int]:
    """Sessions, lifecycle records and audit entries of the tenant."""
    async with container.database.unit_of_work(write=False) as uow:
        counts = await uow.sessions.count_by_status(tenant.pk)
        records = await uow.lifecycle.stream(tenant.pk, (-1, 0), 10_000)
        entries = await uow.audit.list(tenant.pk, 10_000)
        await uow.commit()
    return sum(counts.values()), len(records), len(entries)


async def test_a_tenant_policy_idle_timeout_overrides_the_default(
    pagos: Pagos, container: Container, clock: FakeClock
) -> None:
    initech = await container.tenants.create("initech", TenantPolicy(idle_timeout_s=60), TEST_ACTOR)
    owner = await new_client(container, initech.name)
    app = await new_app(container, initech.name, owner)
    token = await pagos.token(owner)
    expiring, lasting = await fill(pagos, token, app, 2)
    headers = await key_headers(container, initech.pk)
    response = await pagos.client.get(f"/v1/sessions/{expiring}", headers=headers)
    assert response.json()["idle_timeout_s"] == 60
    clock.advance(59)
    await pagos.close_session(token, app, lasting)
    clock.advance(2)
    body = {"SessionId": expiring, "ApplicationKey": app}
    expect(await pagos.close(token, body), close_failure(SESSION_GONE))


async def test_the_default_idle_timeout_is_five_minutes(
    pagos: Pagos, token: str, app_a: str, session_s: str, native: dict[str, str]
) -> None:
    response = await pagos.client.get(f"/v1/sessions/{session_s}", headers=native)
    assert response.json()["idle_timeout_s"] == 300


async def test_sessions_of_a_tenant_do_not_count_against_another_tenants_client(
    pagos: Pagos, container: Container, other_tenant: Tenant, token: str, app_a: str
) -> None:
    await fill(pagos, token, app_a)
    stranger = await new_client(container, other_tenant.name)
    app = await new_app(container, other_tenant.name, stranger)
    await fill(pagos, await pagos.token(stranger), app)
