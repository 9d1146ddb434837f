"""Rules 1, 3 and 4 with racers in separate OS processes on one database: SQLite serialises
them with BEGIN IMMEDIATE across processes, PostgreSQL with row locks and SKIP LOCKED."""

from __future__ import annotations

import pytest

from sessionary.bootstrap import Container
from sessionary.config import Settings
from sessionary.domain.model import Tenant
from sessionary.domain.session import Status
from tests.support import FakeClock

from .helpers import (
    attempt_from,
    check_close_won,
    open_session,
    record_types,
    worker_command,
    workers,
)

ROUNDS = 4
APPENDERS = 4
CLOSERS = 2
DUE = 300
SWEEPERS = 2


@pytest.mark.slow
async def test_appends_from_many_processes_never_land_after_a_close_from_another(
    container: Container, tenant: Tenant, settings: Settings
) -> None:
    sessions = [await open_session(container, tenant.pk, f"proc-{n}") for n in range(ROUNDS)]
    common = {"tenant": tenant.pk, "sessions": [s.id for s in sessions]}
    appenders = [
        worker_command("append", settings, size=3, attempts=500, refusals=3, **common)
        for _ in range(APPENDERS)
    ]
    closers = [
        worker_command("close", settings, delay_s=0.05, after_events=True, **common)
        for _ in range(CLOSERS)
    ]
    async with workers(appenders + closers) as group:
        for session in sessions:
            results = await group.go()
            attempts = [[attempt_from(raw) for raw in result] for result in results[:APPENDERS]]
            closes = results[APPENDERS:]
            assert sorted(c["outcome"] for c in closes) == ["not_active"] * (CLOSERS - 1) + ["ok"]
            assert any(a.outcome == "ok" for racer in attempts for a in racer), "nothing raced"
            close_returned_at = next(c["end"] for c in closes if c["outcome"] == "ok")
            await check_close_won(container, tenant.pk, session.id, attempts, close_returned_at)


@pytest.mark.slow
async def test_sweepers_in_two_processes_expire_each_due_session_exactly_once(
    container: Container, tenant: Tenant, settings: Settings, clock: FakeClock
) -> None:
    due = [
        await open_session(container, tenant.pk, f"due-{n}", idle_timeout_s=1) for n in range(DUE)
    ]
    later = await open_session(container, tenant.pk, "not-due", idle_timeout_s=3600)
    clock.advance(5)
    # Small batches make the sweepers interleave many transactions instead of one each.
    sweepers = [
        worker_command("sweep", settings, now=clock.now(), sweep_batch=25) for _ in range(SWEEPERS)
    ]
    async with workers(sweepers) as group:
        counts = [result["count"] for result in await group.go()]
    assert sum(counts) == DUE, counts
    for session in due:
        assert await record_types(container, session.pk) == ["opened", "expired"]
        stored = await container.sessions.get(tenant.pk, session.id)
        assert (stored.status, stored.closed_at) == (Status.EXPIRED, session.expires_at)
    assert await record_types(container, later.pk) == ["opened"]
