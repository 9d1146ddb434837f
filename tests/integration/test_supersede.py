"""Supersede and close-all-for-subject: which of a subject's sessions end, and how."""

from __future__ import annotations

import asyncio

import pytest

from sessionary.bootstrap import Container
from sessionary.domain.model import Tenant
from sessionary.domain.session import CloseReason, Session, Status
from tests.conftest import TEST_ACTOR
from tests.support import FakeClock

from .helpers import open_session, record_types, records

RACERS = 12


async def status_of(container: Container, session: Session) -> tuple[Status, CloseReason | None]:
    stored = await container.sessions.get(session.tenant_pk, session.id)
    return stored.status, stored.close_reason


async def test_supersede_closes_the_subjects_live_sessions_in_that_scope_only(
    container: Container, tenant: Tenant
) -> None:
    old = await open_session(container, tenant.pk, "u1", scope="game")
    older = await open_session(container, tenant.pk, "u1", scope="game")
    elsewhere = await open_session(container, tenant.pk, "u1", scope="chat")
    unscoped = await open_session(container, tenant.pk, "u1")
    new = await open_session(container, tenant.pk, "u1", scope="game", supersede=True)
    for session in (old, older):
        assert await status_of(container, session) == (Status.CLOSED, CloseReason.SUPERSEDED)
        closes = [r for r in await records(container, session.pk) if r.type == "closed"]
        assert [(r.reason, r.at) for r in closes] == [("superseded", new.opened_at)]
    for session in (elsewhere, unscoped, new):
        assert await status_of(container, session) == (Status.ACTIVE, None)
        assert await record_types(container, session.pk) == ["opened"]


async def test_supersede_without_a_scope_leaves_scoped_sessions_alone(
    container: Container, tenant: Tenant
) -> None:
    unscoped = await open_session(container, tenant.pk, "u1")
    scoped = await open_session(container, tenant.pk, "u1", scope="game")
    await open_session(container, tenant.pk, "u1", supersede=True)
    assert await status_of(container, unscoped) == (Status.CLOSED, CloseReason.SUPERSEDED)
    assert await status_of(container, scoped) == (Status.ACTIVE, None)


async def test_supersede_leaves_other_subjects_and_other_tenants_alone(
    container: Container, tenant: Tenant, other_tenant: Tenant
) -> None:
    other_subject = await open_session(container, tenant.pk, "u2", scope="game")
    same_id_elsewhere = await open_session(container, other_tenant.pk, "u1", scope="game")
    await open_session(container, tenant.pk, "u1", scope="game", supersede=True)
    for session in (other_subject, same_id_elsewhere):
        assert await status_of(container, session) == (Status.ACTIVE, None)


async def test_opening_without_supersede_keeps_older_sessions_live(
    container: Container, tenant: Tenant
) -> None:
    old = await open_session(container, tenant.pk, "u1", scope="game")
    await open_session(container, tenant.pk, "u1", scope="game")
    assert await status_of(container, old) == (Status.ACTIVE, None)


async def test_supersede_expires_a_due_old_session_instead_of_closing_it(
    container: Container, tenant: Tenant, clock: FakeClock
) -> None:
    due = await open_session(container, tenant.pk, "u1", idle_timeout_s=30)
    clock.advance(60)
    await open_session(container, tenant.pk, "u1", supersede=True)
    assert await status_of(container, due) == (Status.EXPIRED, CloseReason.IDLE_TIMEOUT)
    assert await record_types(container, due.pk) == ["opened", "expired"]


async def test_closing_for_a_subject_closes_every_scope(
    container: Container, tenant: Tenant
) -> None:
    sessions = [
        await open_session(container, tenant.pk, "u1", scope=scope)
        for scope in ("game", "chat", None)
    ]
    bystander = await open_session(container, tenant.pk, "u2", scope="game")
    closed = await container.sessions.close_for_subject(tenant.pk, "user", "u1", None, TEST_ACTOR)
    assert sorted(s.id for s in closed) == sorted(s.id for s in sessions)
    for session in sessions:
        assert await status_of(container, session) == (Status.CLOSED, CloseReason.SUBJECT_CLOSED)
        assert await record_types(container, session.pk) == ["opened", "closed"]
    assert await status_of(container, bystander) == (Status.ACTIVE, None)


async def test_closing_for_a_subject_in_one_scope_closes_only_that_scope(
    container: Container, tenant: Tenant
) -> None:
    game = await open_session(container, tenant.pk, "u1", scope="game")
    chat = await open_session(container, tenant.pk, "u1", scope="chat")
    closed = await container.sessions.close_for_subject(tenant.pk, "user", "u1", "game", TEST_ACTOR)
    assert [s.id for s in closed] == [game.id]
    assert await status_of(container, game) == (Status.CLOSED, CloseReason.SUBJECT_CLOSED)
    assert await status_of(container, chat) == (Status.ACTIVE, None)


async def test_closing_for_a_subject_skips_sessions_that_already_ended(
    container: Container, tenant: Tenant
) -> None:
    ended = await open_session(container, tenant.pk, "u1")
    await container.sessions.close(tenant.pk, ended.id, TEST_ACTOR)
    live = await open_session(container, tenant.pk, "u1")
    closed = await container.sessions.close_for_subject(tenant.pk, "user", "u1", None, TEST_ACTOR)
    assert [s.id for s in closed] == [live.id]
    assert await status_of(container, ended) == (Status.CLOSED, CloseReason.CLIENT)
    assert await record_types(container, ended.pk) == ["opened", "closed"]


async def test_closing_for_an_unknown_subject_closes_nothing(
    container: Container, tenant: Tenant
) -> None:
    session = await open_session(container, tenant.pk, "u1")
    assert (
        await container.sessions.close_for_subject(tenant.pk, "user", "nobody", None, TEST_ACTOR)
        == []
    )
    assert await status_of(container, session) == (Status.ACTIVE, None)


@pytest.mark.slow
@pytest.mark.parametrize("subject", ["existing", "brand-new"])
async def test_concurrent_superseding_opens_leave_exactly_one_live_session(
    container: Container, tenant: Tenant, subject: str
) -> None:
    if subject == "existing":
        await open_session(container, tenant.pk, subject, scope="game")
    opened = await asyncio.gather(
        *(
            open_session(container, tenant.pk, subject, scope="game", supersede=True)
            for _ in range(RACERS)
        )
    )
    statuses = [await status_of(container, s) for s in opened]
    assert statuses.count((Status.ACTIVE, None)) == 1, statuses
    assert statuses.count((Status.CLOSED, CloseReason.SUPERSEDED)) == RACERS - 1, statuses
    for session in opened:
        assert (await record_types(container, session.pk)).count("closed") <= 1
