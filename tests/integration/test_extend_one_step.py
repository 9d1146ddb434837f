"""The one-step extend (storage/repositories/hot_extend.py) writes exactly what the general path
writes: the new expiry and activity, one ``extended`` lifecycle record and one audit entry; every
case it does not cover is left, unchanged, to the general path."""

from __future__ import annotations

from typing import Any

import pytest

from sessionary.bootstrap import Container
from sessionary.domain.errors import Forbidden, InvalidInput, SessionNotActive, SessionNotFound
from sessionary.domain.model import SECOND, Actor, NewEvent, Tenant, TenantPolicy
from sessionary.domain.session import CloseReason, Status
from sessionary.services.sessions import OpenRequest
from tests.conftest import TEST_ACTOR
from tests.integration.one_step import count_one_steps, force_general_path
from tests.support import FakeClock

ACTOR = Actor(credential_pk=None, request_id="req-9", label="api")


async def _extend_twice_and_read(
    container: Container, tenant: Tenant, clock: FakeClock, ttl_s: int | None, **opts: Any
) -> tuple[Any, ...]:
    s = await container.sessions.open(
        tenant.pk, OpenRequest("user", "u1", state={"k": [1]}, **opts), TEST_ACTOR
    )
    clock.advance(30)
    first = await container.sessions.extend(tenant.pk, s.id, ttl_s, ACTOR)
    clock.advance(20)
    second = await container.sessions.extend(tenant.pk, s.id, ttl_s, ACTOR)
    start = s.opened_at
    records = [
        (r.type, r.reason, r.at - start, {k: v - start for k, v in r.data.items()})
        for r in await container.stream.page(tenant.pk, (-1, 0), 20)
        if r.session_id == s.id and r.type == "extended"
    ]
    entries, _ = await container.audit.page(tenant.pk, None, 20)
    audit = [
        (e.action, e.detail, e.actor.request_id, e.actor.label, e.at - start)
        for e in entries
        if e.action == "session.extend" and e.target == s.id
    ]
    stored = await container.sessions.get(tenant.pk, s.id)
    assert stored is not None
    returned = [
        (
            x.expires_at and x.expires_at - start,
            x.last_activity_at - start,
            x.version,
            x.state,
            x.subject_id,
        )
        for x in (first, second, stored)
    ]
    return returned, sorted(records), sorted(audit)


@pytest.mark.parametrize(
    ("ttl_s", "opts"),
    [
        (120, {"idle_timeout_s": 600}),
        (None, {"idle_timeout_s": 600}),  # the session's idle timeout
        (600, {"idle_timeout_s": 60, "max_lifetime_s": 90}),  # the lifetime caps it
        (300, {"idle_timeout_s": None, "max_lifetime_s": None}),  # no timeout of its own
    ],
    ids=["ttl", "idle-default", "capped-by-lifetime", "no-timeouts"],
)
async def test_extending_writes_the_same_rows_on_either_path(
    ttl_s: int | None,
    opts: dict[str, Any],
    container: Container,
    tenant: Tenant,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    taken = count_one_steps(monkeypatch, "extend_live")
    one_step = await _extend_twice_and_read(container, tenant, clock, ttl_s, **opts)
    assert len(taken) == 2
    force_general_path(monkeypatch, "extend_live")
    general = await _extend_twice_and_read(container, tenant, clock, ttl_s, **opts)
    assert one_step == general
    returned, records, audit = one_step
    first, second, stored = returned
    assert second == stored and second[2] == first[2] + 1
    assert second[1] == 50 * SECOND and second[3:] == ({"k": [1]}, "u1")
    assert [r[:3] for r in records] == [
        ("extended", None, 30 * SECOND),
        ("extended", None, 50 * SECOND),
    ]
    assert [a[1] for a in audit] == [{"ttl_s": ttl_s}, {"ttl_s": ttl_s}]


async def test_cases_the_one_step_does_not_cover_are_decided_by_the_general_path(
    container: Container, tenant: Tenant, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken = count_one_steps(monkeypatch, "extend_live")
    due = await container.sessions.open(
        tenant.pk, OpenRequest("user", "a", idle_timeout_s=5), TEST_ACTOR
    )
    closed = await container.sessions.open(tenant.pk, OpenRequest("user", "b"), TEST_ACTOR)
    await container.sessions.close(tenant.pk, closed.id, TEST_ACTOR, CloseReason.CLIENT)
    no_ttl = await container.sessions.open(
        tenant.pk, OpenRequest("user", "c", idle_timeout_s=None), TEST_ACTOR
    )
    rufus = await container.sessions.open(
        tenant.pk, OpenRequest("user", "d", dialect="rufus"), TEST_ACTOR
    )
    clock.advance(10)
    with pytest.raises(SessionNotActive):
        await container.sessions.extend(tenant.pk, due.id, 60, ACTOR)
    assert (await container.sessions.get(tenant.pk, due.id)).status is Status.EXPIRED
    with pytest.raises(SessionNotActive):
        await container.sessions.extend(tenant.pk, closed.id, 60, ACTOR)
    with pytest.raises(InvalidInput):
        await container.sessions.extend(tenant.pk, no_ttl.id, None, ACTOR)
    with pytest.raises(InvalidInput):
        await container.sessions.extend(tenant.pk, rufus.id, 0, ACTOR)
    with pytest.raises(SessionNotFound):
        await container.sessions.extend(tenant.pk, rufus.id, 60, ACTOR, dialect="native")
    with pytest.raises(SessionNotFound):
        await container.sessions.extend(tenant.pk, "ses_unknown", 60, ACTOR)
    await container.tenants.set_policy(tenant.pk, TenantPolicy(allow_extend=False), TEST_ACTOR)
    with pytest.raises(Forbidden):
        await container.sessions.extend(tenant.pk, rufus.id, 60, ACTOR)
    assert taken == []
    untouched = await container.sessions.get(tenant.pk, rufus.id)
    assert untouched is not None and untouched.version == rufus.version


async def test_an_extend_that_waited_behind_a_later_append_never_moves_activity_back(
    container: Container, tenant: Tenant, clock: FakeClock
) -> None:
    s = await container.sessions.open(
        tenant.pk, OpenRequest("user", "e", idle_timeout_s=600), TEST_ACTOR
    )
    later = clock.now() + 5 * SECOND
    async with container.database.unit_of_work() as uow:  # what the later request wrote
        done = await uow.sessions.append_plain(tenant.pk, s.id, [NewEvent("tick", {})], later, None)
        await uow.commit()
    assert done is not None
    extended = await container.sessions.extend(tenant.pk, s.id, 60, ACTOR)
    assert extended.last_activity_at == later
    assert extended.expires_at == later + 60 * SECOND
