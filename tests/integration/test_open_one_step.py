"""The one-step open (storage/repositories/hot.py) stores and returns exactly what the general
path does: the tenant's policy applied, the subject created once, one lifecycle record, one
audit entry."""

from __future__ import annotations

import pytest

from sessionary.bootstrap import Container
from sessionary.domain.model import Actor, Tenant, TenantPolicy
from sessionary.domain.session import Status
from sessionary.services.sessions import OpenRequest
from tests.conftest import TEST_ACTOR
from tests.integration.one_step import force_general_path
from tests.support import FakeClock

ACTOR = Actor(credential_pk=None, request_id="req-9", label="api")
CASES = [
    ({}, (600, 7200)),
    ({"idle_timeout_s": 30}, (30, 7200)),
    ({"max_lifetime_s": 60, "idle_timeout_s": 90}, (90, 60)),
]


@pytest.mark.parametrize("path", ["one-step", "general"])
@pytest.mark.parametrize(("options", "policy"), CASES)
async def test_opening_stores_the_same_session_on_either_path(
    path: str,
    options: dict[str, int],
    policy: tuple[int, int],
    container: Container,
    tenant: Tenant,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if path == "general":
        force_general_path(monkeypatch, "open_plain")
    await container.tenants.set_policy(
        tenant.pk, TenantPolicy(idle_timeout_s=600, max_lifetime_s=7200), TEST_ACTOR
    )
    req = OpenRequest("user", "u1", scope="race", alias="a", state={"x": [1]}, **options)  # type: ignore[arg-type]
    opened = await container.sessions.open(tenant.pk, req, ACTOR)
    now = clock.now()
    idle, life = policy
    assert (opened.idle_timeout_s, opened.max_lifetime_s) == (idle, life)
    assert opened.expires_at == now + min(idle, life) * 1_000_000
    assert (opened.status, opened.opened_at, opened.last_activity_at) == (Status.ACTIVE, now, now)
    assert (opened.subject_kind, opened.subject_id, opened.scope, opened.alias) == (
        "user",
        "u1",
        "race",
        "a",
    )
    assert (opened.version, opened.last_seq, opened.state, opened.metered) == (
        1,
        0,
        {"x": [1]},
        True,
    )
    assert await container.sessions.get(tenant.pk, opened.id) == opened
    again = await container.sessions.open(tenant.pk, OpenRequest("user", "u1"), ACTOR)
    assert again.subject_pk == opened.subject_pk
    records = [
        (r.type, r.session_id, r.at, r.data)
        for r in await container.stream.page(tenant.pk, (-1, 0), 10)
    ]
    assert records[0] == ("opened", opened.id, now, {"dialect": "native"})
    entries, _ = await container.audit.page(tenant.pk, None, 10)
    opens = [
        (e.target, e.detail, e.actor.request_id, e.at)
        for e in entries
        if e.action == "session.open"
    ]
    assert (opened.id, {}, "req-9", now) in opens


async def test_a_session_id_that_exists_is_a_conflict_and_changes_nothing(
    container: Container, tenant: Tenant
) -> None:
    from sessionary.domain.errors import Conflict

    first = await container.sessions.open(tenant.pk, OpenRequest("user", "u1", id="fixed-1"), ACTOR)
    with pytest.raises(Conflict):
        await container.sessions.open(tenant.pk, OpenRequest("user", "u2", id="fixed-1"), ACTOR)
    assert (await container.sessions.get(tenant.pk, "fixed-1")).subject_pk == first.subject_pk
    records = await container.stream.page(tenant.pk, (-1, 0), 10)
    assert [r.type for r in records] == ["opened"]
