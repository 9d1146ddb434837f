"""The one-step append (storage/repositories/hot_append.py) writes exactly what the general path
writes: the events, numbered after the session's last, and the session's activity and expiry."""

from __future__ import annotations

from typing import Any

import pytest

from sessionary.bootstrap import Container
from sessionary.domain.errors import SessionNotActive, SessionNotFound
from sessionary.domain.model import SECOND, NewEvent, Tenant
from sessionary.domain.session import Status
from sessionary.services.sessions import OpenRequest
from tests.conftest import TEST_ACTOR
from tests.integration.one_step import count_one_steps, force_general_path
from tests.support import FakeClock

BATCH = [
    NewEvent("tick", {"n": 1, "deep": {"list": [1, "ü", None]}}),
    NewEvent("tick", {"n": 2}, occurred_at=1_000_000, ordinal=7),
    NewEvent("big", {"v": 2**62}),
]


async def _append_twice_and_read(
    container: Container, tenant: Tenant, clock: FakeClock, **opts: Any
) -> tuple[Any, ...]:
    s = await container.sessions.open(tenant.pk, OpenRequest("user", "u1", **opts), TEST_ACTOR)
    clock.advance(40)
    first = await container.events.append(tenant.pk, s.id, BATCH)
    clock.advance(25)
    second = await container.events.append(tenant.pk, s.id, BATCH[:1])
    page = await container.events.read(tenant.pk, s.id, 0, None, 100)
    stored = await container.sessions.get(tenant.pk, s.id)
    events = [
        (e.seq, e.type, e.payload, e.occurred_at, e.recorded_at, e.ordinal, e.dedupe_key)
        for e in page.items
    ]
    results = [(r.accepted, r.duplicates, r.first_seq, r.last_seq) for r in (first, second)]
    assert stored is not None
    state = (stored.last_seq, stored.last_activity_at, stored.expires_at, stored.version)
    return results, events, state, (second.session.last_seq, second.session.expires_at)


@pytest.mark.parametrize(
    "opts",
    [
        {"idle_timeout_s": 600},
        {"idle_timeout_s": 600, "max_lifetime_s": 90},  # the lifetime caps the idle push
        {"idle_timeout_s": None, "max_lifetime_s": 3600},  # the tenant's idle default
    ],
    ids=["idle", "capped-by-lifetime", "tenant-default"],
)
async def test_appending_writes_the_same_rows_on_either_path(
    opts: dict[str, Any],
    container: Container,
    tenant: Tenant,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    taken = count_one_steps(monkeypatch, "append_plain")
    one_step = await _append_twice_and_read(container, tenant, clock, **opts)
    assert len(taken) == 2
    force_general_path(monkeypatch, "append_plain")
    general = await _append_twice_and_read(container, tenant, clock, **opts)
    shift = 65 * SECOND  # the second run starts that much later on the fake clock
    results, events, state, returned = general
    assert one_step[0] == results
    assert one_step[1] == [
        (seq, t, p, at if at == 1_000_000 else at - shift, rec - shift, o, k)
        for seq, t, p, at, rec, o, k in events
    ]
    assert one_step[2] == (state[0], state[1] - shift, state[2] - shift, state[3])
    assert one_step[3] == (returned[0], returned[1] - shift)


async def test_a_session_that_is_not_live_is_left_to_the_general_path(
    container: Container, tenant: Tenant, clock: FakeClock
) -> None:
    due = await container.sessions.open(
        tenant.pk, OpenRequest("user", "a", idle_timeout_s=5), TEST_ACTOR
    )
    clock.advance(10)
    with pytest.raises(SessionNotActive):
        await container.events.append(tenant.pk, due.id, BATCH)
    assert (await container.sessions.get(tenant.pk, due.id)).status is Status.EXPIRED
    with pytest.raises(SessionNotFound):
        await container.events.append(tenant.pk, "ses_unknown", BATCH)
    other = await container.sessions.open(
        tenant.pk, OpenRequest("user", "b", dialect="rufus"), TEST_ACTOR
    )
    with pytest.raises(SessionNotFound):
        await container.events.append(tenant.pk, other.id, BATCH, dialect="native")
    untouched = await container.sessions.get(tenant.pk, other.id)
    assert untouched is not None and (untouched.last_seq, untouched.status) == (0, Status.ACTIVE)


async def test_an_append_that_waited_behind_a_later_one_never_moves_activity_back(
    container: Container, tenant: Tenant, clock: FakeClock
) -> None:
    s = await container.sessions.open(tenant.pk, OpenRequest("user", "c"), TEST_ACTOR)
    later = clock.now() + 5 * SECOND
    async with container.database.unit_of_work() as uow:  # what the later request wrote
        done = await uow.sessions.append_plain(tenant.pk, s.id, BATCH[:1], later, None)
        await uow.commit()
    assert done is not None and done.last_activity_at == later
    result = await container.events.append(tenant.pk, s.id, BATCH[:1])
    assert result.session.last_activity_at == later
    page = await container.events.read(tenant.pk, s.id, 0, None, 10)
    assert [(e.seq, e.recorded_at) for e in page.items] == [(1, later), (2, later)]


async def test_the_general_path_never_moves_activity_back_or_ends_a_session_before_it(
    container: Container, tenant: Tenant, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = await container.sessions.open(tenant.pk, OpenRequest("user", "d"), TEST_ACTOR)
    later = clock.now() + 5 * SECOND  # a node whose clock runs ahead appended first
    async with container.database.unit_of_work() as uow:
        done = await uow.sessions.append_plain(tenant.pk, s.id, BATCH[:1], later, None)
        await uow.commit()
    assert done is not None
    keyed = [NewEvent("tick", {"n": 3}, dedupe_key="k-1")]  # a dedupe key: the general path
    result = await container.events.append(tenant.pk, s.id, keyed)
    assert result.session.last_activity_at == later
    force_general_path(monkeypatch, "close_live")  # e.g. the row was busy
    closed = await container.sessions.close(tenant.pk, s.id, TEST_ACTOR)
    assert closed.closed_at == later
    page = await container.events.read(tenant.pk, s.id, 0, None, 10)
    assert [(e.seq, e.recorded_at) for e in page.items] == [(1, later), (2, later)]
