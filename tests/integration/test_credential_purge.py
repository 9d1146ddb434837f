"""The sweeper deletes spent dialect credentials (ended sessions' keys, expired or revoked
bearer tokens) a grace period after they died, in bounded batches that any number of
sweepers share; native keys and long-lived dialect keys are never deleted."""

from __future__ import annotations

import asyncio

from sessionary.bootstrap import Container, build
from sessionary.config import Settings
from sessionary.domain.model import SECOND, Actor, AuditEntry, Credential, Tenant
from sessionary.services.credentials import NewCredential
from sessionary.services.sessions import OpenRequest
from tests.conftest import TEST_ACTOR
from tests.support import FakeClock

DAY = 86_400
GRACE = 3 * DAY  # the default of SESSIONARY_CREDENTIAL_PURGE_GRACE_DAYS


async def stored(container: Container, tenant_pk: int) -> dict[str, Credential]:
    return {c.id: c for c in await container.credentials.list(tenant_pk)}


async def issue(container: Container, tenant_pk: int, **fields: object) -> Credential:
    new = NewCredential(tenant_pk=tenant_pk, scopes=(), **fields)  # type: ignore[arg-type]
    return (await container.credentials.issue(new, TEST_ACTOR)).credential


async def bearer_token(container: Container, tenant_pk: int, ttl_s: int) -> Credential:
    expires = container.clock.now() + ttl_s * SECOND
    return await issue(container, tenant_pk, kind="dialect-token", expires_at=expires)


async def session_key(container: Container, tenant_pk: int, subject: str) -> tuple[str, str]:
    """A session with a key bound to it; returns (session id, key id)."""
    key = NewCredential(tenant_pk=tenant_pk, scopes=(), kind="dialect-key")
    req = OpenRequest("user", subject, bound_key=key)
    session = await container.sessions.open(tenant_pk, req, TEST_ACTOR)
    [bound] = [c for c in await container.credentials.list(tenant_pk) if c.bound_session_pk]
    return session.id, bound.id


async def audited_by(container: Container, tenant_pk: int, label: str) -> list[AuditEntry]:
    entries, _ = await container.audit.page(tenant_pk, None, 50)
    return [e for e in entries if e.actor.label == label]


async def test_an_ended_sessions_key_is_purged_only_after_the_grace_period(
    container: Container, tenant: Tenant, clock: FakeClock
) -> None:
    session_id, key_id = await session_key(container, tenant.pk, "u1")
    await container.sessions.close(tenant.pk, session_id, TEST_ACTOR)
    clock.advance(GRACE - 1)
    assert await container.sweeper.purge_credentials() == 0
    assert (await stored(container, tenant.pk))[key_id].revoked_at is not None
    clock.advance(2)
    assert await container.sweeper.purge_credentials() == 1
    assert key_id not in await stored(container, tenant.pk)
    assert (await container.sessions.get(tenant.pk, session_id)).id == session_id


async def test_an_expired_bearer_token_is_purged_after_the_grace_period(
    container: Container, tenant: Tenant, clock: FakeClock
) -> None:
    token = await bearer_token(container, tenant.pk, ttl_s=DAY)
    clock.advance(DAY + GRACE - 1)
    assert await container.sweeper.purge_credentials() == 0
    clock.advance(2)
    assert await container.sweeper.purge_credentials() == 1
    assert token.id not in await stored(container, tenant.pk)


async def test_a_revoked_bearer_token_is_purged_from_its_revocation(
    container: Container, tenant: Tenant, clock: FakeClock
) -> None:
    token = await bearer_token(container, tenant.pk, ttl_s=30 * DAY)
    await container.credentials.revoke(tenant.pk, token.id, TEST_ACTOR)
    clock.advance(GRACE + 1)
    assert await container.sweeper.purge_credentials() == 1
    assert token.id not in await stored(container, tenant.pk)


async def test_live_credentials_and_long_lived_keys_are_never_purged(
    container: Container, tenant: Tenant, other_tenant: Tenant, clock: FakeClock
) -> None:
    """Operator and tenant keys stay (revoked or expired) as the audit trail's actors."""
    expires = clock.now() + DAY * SECOND
    native = await issue(container, tenant.pk, expires_at=expires)
    native_revoked = await issue(container, tenant.pk)
    client = await issue(container, tenant.pk, kind="dialect-client")
    live_session, live_key = await session_key(container, other_tenant.pk, "u1")
    live_token = await bearer_token(container, tenant.pk, ttl_s=400 * DAY)
    for revoked in (native_revoked, client):
        await container.credentials.revoke(tenant.pk, revoked.id, TEST_ACTOR)
    clock.advance(100 * DAY)
    assert await container.sweeper.purge_credentials() == 0
    kept = {native.id, native_revoked.id, client.id, live_token.id}
    assert kept <= set(await stored(container, tenant.pk))
    assert live_key in await stored(container, other_tenant.pk)
    assert (await container.sessions.get(other_tenant.pk, live_session)).id == live_session


async def test_the_purge_runs_in_bounded_batches_until_none_is_left(
    container: Container, tenant: Tenant, clock: FakeClock, settings: Settings
) -> None:
    tokens = [await bearer_token(container, tenant.pk, ttl_s=60) for _ in range(11)]
    clock.advance(GRACE + 120)
    small = build(settings.model_copy(update={"sweep_batch": 3}), clock=clock)
    try:
        assert await small.sweeper.purge_credentials() == len(tokens)
    finally:
        await small.close()
    assert await stored(container, tenant.pk) == {}


async def test_concurrent_purges_delete_each_credential_once(
    container: Container, tenant: Tenant, clock: FakeClock, settings: Settings
) -> None:
    for _ in range(40):
        await bearer_token(container, tenant.pk, ttl_s=60)
    clock.advance(GRACE + 120)
    nodes = [build(settings.model_copy(update={"sweep_batch": 4}), clock=clock) for _ in range(3)]
    try:
        counts = await asyncio.gather(*(n.sweeper.purge_credentials() for n in nodes))
    finally:
        for node in nodes:
            await node.close()
    assert sum(counts) == 40, counts
    assert await stored(container, tenant.pk) == {}


async def test_the_grace_period_is_a_setting(
    container: Container, tenant: Tenant, clock: FakeClock, settings: Settings
) -> None:
    token = await bearer_token(container, tenant.pk, ttl_s=60)
    clock.advance(DAY // 2)
    quick = build(settings.model_copy(update={"credential_purge_grace_days": 0.25}), clock=clock)
    try:
        assert await quick.sweeper.purge_credentials() == 1
    finally:
        await quick.close()
    assert token.id not in await stored(container, tenant.pk)


async def test_the_audit_trail_still_reads_after_its_actor_was_purged(
    container: Container, tenant: Tenant, clock: FakeClock
) -> None:
    """No foreign key points at a credential: an entry keeps its actor's pk, and the purged
    actor's public id reads as unknown."""
    session_id, key_id = await session_key(container, tenant.pk, "u1")
    key = (await stored(container, tenant.pk))[key_id]
    await container.sessions.close(tenant.pk, session_id, Actor(credential_pk=key.pk, label="k"))
    [closed] = await audited_by(container, tenant.pk, "k")
    assert closed.credential_id == key_id
    clock.advance(GRACE + 1)
    assert await container.sweeper.purge_credentials() == 1
    [after] = await audited_by(container, tenant.pk, "k")
    assert (after.actor.credential_pk, after.credential_id, after.target) == (
        key.pk,
        None,
        closed.target,
    )
