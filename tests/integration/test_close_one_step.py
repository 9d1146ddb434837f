"""The one-step close (storage/repositories/hot.py) writes exactly what the general path writes:
the session's end, one lifecycle record, one audit entry, and bound keys revoked."""

from __future__ import annotations

from typing import Any

import pytest

from sessionary.bootstrap import Container
from sessionary.domain.errors import SessionNotActive, SessionNotFound
from sessionary.domain.model import Actor, Tenant
from sessionary.domain.session import CloseReason, Status
from sessionary.services.credentials import NewCredential
from sessionary.services.sessions import OpenRequest
from tests.conftest import TEST_ACTOR
from tests.integration.one_step import force_general_path
from tests.support import FakeClock

ACTOR = Actor(credential_pk=None, request_id="req-1", label="api")


async def _close_and_read(
    container: Container, tenant: Tenant, clock: FakeClock
) -> tuple[Any, ...]:
    s = await container.sessions.open(
        tenant.pk, OpenRequest("user", "u1", idle_timeout_s=600, state={"k": [1, 2]}), TEST_ACTOR
    )
    bound = await container.credentials.issue(
        NewCredential(tenant.pk, ("sessions:read",), bound_session_pk=s.pk), TEST_ACTOR
    )
    clock.advance(61)
    closed = await container.sessions.close(tenant.pk, s.id, ACTOR, CloseReason.ADMIN)
    records = await container.stream.page(tenant.pk, (-1, 0), 10)
    entries, _ = await container.audit.page(tenant.pk, None, 10)
    keys = {k.id: k for k in await container.credentials.list(tenant.pk)}
    ended = [(r.type, r.reason, r.at) for r in records if r.type == "closed"]
    audit = [
        (e.action, e.target, e.detail, e.actor.request_id, e.actor.label, e.at)
        for e in entries
        if e.action == "session.close"
    ]
    return closed, s, ended, audit, keys[bound.credential.id].revoked_at


@pytest.mark.parametrize("path", ["one-step", "general"])
async def test_closing_writes_the_same_rows_on_either_path(
    path: str,
    container: Container,
    tenant: Tenant,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if path == "general":
        force_general_path(monkeypatch, "close_live")
    closed, opened, ended, audit, revoked_at = await _close_and_read(container, tenant, clock)
    now = clock.now()
    assert closed.status is Status.CLOSED and closed.closed_at == now
    assert closed.close_reason is CloseReason.ADMIN
    assert closed.version == opened.version + 1
    assert closed.state == {"k": [1, 2]} and (closed.subject_kind, closed.subject_id) == (
        "user",
        "u1",
    )
    assert closed.billed_minutes(now) == 2
    assert ended == [("closed", "admin", now)]
    assert audit == [("session.close", opened.id, {"reason": "admin"}, "req-1", "api", now)]
    assert revoked_at == now
    stored = await container.sessions.get(tenant.pk, opened.id)
    assert (stored.status, stored.closed_at, stored.version) == (Status.CLOSED, now, closed.version)


async def test_the_one_step_path_leaves_every_other_case_to_the_general_path(
    container: Container, tenant: Tenant, clock: FakeClock
) -> None:
    due = await container.sessions.open(
        tenant.pk, OpenRequest("user", "a", idle_timeout_s=5), TEST_ACTOR
    )
    clock.advance(10)
    with pytest.raises(SessionNotActive):
        await container.sessions.close(tenant.pk, due.id, ACTOR)
    assert (await container.sessions.get(tenant.pk, due.id)).status is Status.EXPIRED
    with pytest.raises(SessionNotFound):
        await container.sessions.close(tenant.pk, "ses_unknown", ACTOR)
    other = await container.sessions.open(
        tenant.pk, OpenRequest("user", "b", dialect="rufus"), TEST_ACTOR
    )
    with pytest.raises(SessionNotFound):
        await container.sessions.close(tenant.pk, other.id, ACTOR, dialect="native")
    assert (await container.sessions.get(tenant.pk, other.id)).status is Status.ACTIVE


async def test_a_close_never_ends_before_the_sessions_last_activity(
    container: Container, tenant: Tenant, clock: FakeClock
) -> None:
    s = await container.sessions.open(tenant.pk, OpenRequest("user", "c"), TEST_ACTOR)
    clock.advance(30)
    async with container.database.unit_of_work() as uow:  # an append that held the lock later
        locked = await uow.sessions.lock(tenant.pk, s.id)
        assert locked is not None
        locked.touch(clock.now() + 5_000_000)
        await uow.sessions.save(locked)
        await uow.commit()
    closed = await container.sessions.close(tenant.pk, s.id, ACTOR)
    assert closed.closed_at == clock.now() + 5_000_000
