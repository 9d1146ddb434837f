"""Rules 1 and 3 under concurrency inside one process. On PostgreSQL every task holds its own
pooled connection, so the racers meet at the session's row lock in the database."""

from __future__ import annotations

import asyncio
import random

import pytest

from sessionary.bootstrap import Container
from sessionary.config import Settings
from sessionary.domain.errors import SessionNotActive, SessionNotFound
from sessionary.domain.model import Micros, Tenant, TenantPolicy
from sessionary.domain.session import Session, Status
from tests.conftest import TEST_ACTOR

from .helpers import (
    Attempt,
    attempt_append,
    check_close_won,
    live_container,
    open_session,
    record_types,
    wall_now,
)

ROUNDS = 10
APPENDERS = 20
RACERS = 20


async def appender(container: Container, tenant_pk: int, session_id: str) -> list[Attempt]:
    attempts = []
    for _ in range(4):
        attempts.append(await attempt_append(container, tenant_pk, session_id, 3))
        await asyncio.sleep(random.uniform(0, 0.002))
    return attempts


async def closer(container: Container, tenant_pk: int, session_id: str) -> Micros:
    """Close after a random head start of the appenders; return when the close came back."""
    await asyncio.sleep(random.uniform(0, 0.006))
    await container.sessions.close(tenant_pk, session_id, TEST_ACTOR)
    return wall_now()


@pytest.mark.slow
async def test_an_event_batch_racing_a_close_never_lands_after_it(settings: Settings) -> None:
    outcomes: set[str] = set()
    async with live_container(settings) as live:
        tenant = await live.tenants.create("racers", TenantPolicy(), TEST_ACTOR)
        for round_no in range(ROUNDS):
            session = await open_session(live, tenant.pk, f"racer-{round_no}")
            close_task = asyncio.create_task(closer(live, tenant.pk, session.id))
            appenders = await asyncio.gather(
                *(appender(live, tenant.pk, session.id) for _ in range(APPENDERS))
            )
            close_returned_at = await close_task
            outcomes.update(a.outcome for attempts in appenders for a in attempts)
            await check_close_won(live, tenant.pk, session.id, appenders, close_returned_at)
    assert outcomes == {"ok", "not_active"}, "the appends never met the close"


async def outcome(action: asyncio.Future[Session] | asyncio.Task[Session]) -> str:
    try:
        await action
    except (SessionNotActive, SessionNotFound) as exc:
        return type(exc).__name__
    return "ok"


@pytest.mark.slow
async def test_many_concurrent_closes_of_one_session_close_it_exactly_once(
    container: Container, tenant: Tenant
) -> None:
    for round_no in range(5):
        session = await open_session(container, tenant.pk, f"closer-{round_no}")
        closes = [
            asyncio.ensure_future(container.sessions.close(tenant.pk, session.id, TEST_ACTOR))
            for _ in range(RACERS)
        ]
        outcomes = await asyncio.gather(*(outcome(c) for c in closes))
        assert sorted(outcomes) == ["SessionNotActive"] * (RACERS - 1) + ["ok"]
        assert await record_types(container, session.pk) == ["opened", "closed"]


@pytest.mark.slow
async def test_many_concurrent_deletes_of_one_session_delete_it_exactly_once(
    container: Container, tenant: Tenant
) -> None:
    session = await open_session(container, tenant.pk, "deleter")
    deletes = [
        asyncio.ensure_future(container.sessions.delete(tenant.pk, session.id, TEST_ACTOR))
        for _ in range(RACERS)
    ]
    outcomes = await asyncio.gather(*(outcome(d) for d in deletes))
    assert sorted(outcomes) == ["SessionNotFound"] * (RACERS - 1) + ["ok"]
    assert await record_types(container, session.pk) == ["opened", "deleted"]


@pytest.mark.slow
async def test_a_close_racing_a_delete_leaves_one_consistent_end(
    container: Container, tenant: Tenant
) -> None:
    for round_no in range(5):
        session = await open_session(container, tenant.pk, f"ender-{round_no}")
        close = asyncio.ensure_future(container.sessions.close(tenant.pk, session.id, TEST_ACTOR))
        delete = asyncio.ensure_future(container.sessions.delete(tenant.pk, session.id, TEST_ACTOR))
        close_outcome, delete_outcome = await asyncio.gather(outcome(close), outcome(delete))
        assert delete_outcome == "ok"
        types = await record_types(container, session.pk)
        if close_outcome == "ok":
            assert types == ["opened", "closed", "deleted"]
        else:
            assert close_outcome == "SessionNotFound"
            assert types == ["opened", "deleted"]
        with pytest.raises(SessionNotFound):
            await container.sessions.get(tenant.pk, session.id)


async def test_appends_from_many_tasks_get_contiguous_sequence_numbers(
    container: Container, tenant: Tenant
) -> None:
    session = await open_session(container, tenant.pk, "counter")
    attempts = await asyncio.gather(
        *(attempt_append(container, tenant.pk, session.id, 5) for _ in range(RACERS))
    )
    assert {a.outcome for a in attempts} == {"ok"}
    ranges = sorted((a.first_seq, a.last_seq) for a in attempts)
    assert ranges == [(1 + 5 * i, 5 * (i + 1)) for i in range(RACERS)]
    stored = await container.sessions.get(tenant.pk, session.id)
    assert (stored.status, stored.last_seq) == (Status.ACTIVE, 5 * RACERS)
