"""The one-step delete (storage/repositories/hot_delete.py, behind HiveMP's ``DELETE /session``)
writes exactly what the general path writes: the session ended as deleted, one ``deleted``
lifecycle record, bound keys revoked, events removed and one audit entry; every case it does not
cover is left, unchanged, to the general path."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from sessionary.bootstrap import Container
from sessionary.domain.errors import SessionNotFound
from sessionary.domain.model import Actor, Tenant
from sessionary.domain.session import CloseReason, Status
from sessionary.services.credentials import NewCredential
from sessionary.services.sessions import OpenRequest
from tests.conftest import TEST_ACTOR
from tests.integration.helpers import batch, record_types
from tests.integration.one_step import count_one_steps, force_general_path
from tests.support import FakeClock

ACTOR = Actor(credential_pk=None, request_id="req-7", label="hivemp")


async def _delete_and_read(
    container: Container, tenant: Tenant, clock: FakeClock, subject: str
) -> tuple[Any, ...]:
    s = await container.sessions.open(
        tenant.pk, OpenRequest("user", subject, idle_timeout_s=600, dialect="hivemp"), TEST_ACTOR
    )
    bound = await container.credentials.issue(
        NewCredential(tenant.pk, ("sessions:read",), bound_session_pk=s.pk), TEST_ACTOR
    )
    await container.events.append(tenant.pk, s.id, batch(3))
    clock.advance(61)
    deleted = await container.sessions.delete(tenant.pk, s.id, ACTOR, dialect="hivemp")
    start = s.opened_at
    records = [
        (
            r.type,
            r.reason,
            r.at - start,
            {k: v - start if k == "ended_at" else v for k, v in r.data.items()},
        )
        for r in await container.stream.page(tenant.pk, (-1, 0), 50)
        if r.session_id == s.id
    ]
    entries, _ = await container.audit.page(tenant.pk, None, 50)
    audit = [
        (e.action, e.detail, e.actor.request_id, e.actor.label, e.at - start)
        for e in entries
        if e.target == s.id and e.action == "session.delete"
    ]
    keys = {k.id: k for k in await container.credentials.list(tenant.pk)}
    revoked = keys[bound.credential.id].revoked_at
    async with container.database.unit_of_work(write=False) as uow:
        stored = await uow.sessions.get(tenant.pk, s.id)
        events = await uow.events.list(s.pk, 0, None, 10)
        await uow.commit()
    assert stored is not None and revoked is not None and deleted.closed_at is not None
    shape = (stored.status, stored.close_reason, stored.closed_at - start, stored.version)
    returned = (deleted.status, deleted.closed_at - start, deleted.version, deleted.subject_id)
    return shape, returned, records, audit, revoked - start, len(events)


async def test_deleting_writes_the_same_rows_on_either_path(
    container: Container, tenant: Tenant, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken = count_one_steps(monkeypatch, "delete_live")
    one_step = await _delete_and_read(container, tenant, clock, "u1")
    assert len(taken) == 1
    force_general_path(monkeypatch, "delete_live")
    general = await _delete_and_read(container, tenant, clock, "u2")
    assert one_step[0] == general[0] and one_step[2:] == general[2:]
    assert one_step[1][:3] == general[1][:3] and (one_step[1][3], general[1][3]) == ("u1", "u2")
    shape, _, records, audit, revoked_at, events = one_step
    assert shape == (Status.DELETED, CloseReason.DELETED, 61_000_000, 2)
    assert [r[:3] for r in records] == [("opened", None, 0), ("deleted", "deleted", 61_000_000)]
    assert audit == [("session.delete", {}, "req-7", "hivemp", 61_000_000)]
    assert (revoked_at, events) == (61_000_000, 0)


async def test_cases_the_one_step_does_not_cover_are_decided_by_the_general_path(
    container: Container, tenant: Tenant, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken = count_one_steps(monkeypatch, "delete_live")
    due = await container.sessions.open(
        tenant.pk, OpenRequest("user", "a", idle_timeout_s=5), TEST_ACTOR
    )
    closed = await container.sessions.open(tenant.pk, OpenRequest("user", "b"), TEST_ACTOR)
    await container.sessions.close(tenant.pk, closed.id, TEST_ACTOR, CloseReason.CLIENT)
    native = await container.sessions.open(tenant.pk, OpenRequest("user", "c"), TEST_ACTOR)
    clock.advance(10)
    deleted_due = await container.sessions.delete(tenant.pk, due.id, ACTOR)
    assert (deleted_due.status, deleted_due.closed_at) == (Status.DELETED, due.expires_at)
    assert await record_types(container, due.pk) == ["opened", "expired", "deleted"]
    ended = await container.sessions.delete(tenant.pk, closed.id, ACTOR)
    assert (ended.status, ended.close_reason) == (Status.DELETED, CloseReason.CLIENT)
    with pytest.raises(SessionNotFound):  # a deleted session no longer exists
        await container.sessions.delete(tenant.pk, closed.id, ACTOR)
    with pytest.raises(SessionNotFound):
        await container.sessions.delete(tenant.pk, native.id, ACTOR, dialect="hivemp")
    with pytest.raises(SessionNotFound):
        await container.sessions.delete(tenant.pk, "ses_unknown", ACTOR)
    assert taken == []
    untouched = await container.sessions.get(tenant.pk, native.id)
    assert (untouched.status, untouched.version) == (Status.ACTIVE, native.version)


async def test_a_delete_that_waited_for_the_row_while_the_session_fell_due_records_the_expiry(
    container: Container, tenant: Tenant, clock: FakeClock
) -> None:
    """Its clock is read once it holds the row: a delete that waited past the expiry instant
    ends the session as expired first, as the general path does."""
    session = await container.sessions.open(
        tenant.pk, OpenRequest("user", "d", idle_timeout_s=30), TEST_ACTOR
    )
    clock.advance(29)
    async with container.database.unit_of_work() as holder:
        await holder.sessions.lock(tenant.pk, session.id)
        waiting = asyncio.ensure_future(container.sessions.delete(tenant.pk, session.id, ACTOR))
        await asyncio.sleep(0.05)
        clock.advance(2)
        await holder.rollback()
    deleted = await waiting
    assert (deleted.status, deleted.closed_at) == (Status.DELETED, session.expires_at)
    assert await record_types(container, session.pk) == ["opened", "expired", "deleted"]
