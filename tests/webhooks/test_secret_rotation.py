"""Rotating a webhook's secret, checked on real deliveries with the ``standardwebhooks``
package and with the README's verification code, on both backends.

The library checks ``webhook-timestamp`` against the real time (5 minutes either way); the fake
clock starts at the real time, so these tests deliver without moving it further than that."""

from __future__ import annotations

import base64
from typing import Any

from sqlalchemy import select, update
from standardwebhooks import Webhook as StandardWebhook
from standardwebhooks import WebhookVerificationError

from sessionary.bootstrap import Container
from sessionary.domain import ids
from sessionary.domain.model import Tenant
from sessionary.services.sessions import OpenRequest
from sessionary.storage.tables import webhooks
from tests.conftest import TEST_ACTOR
from tests.observability.helpers import execute
from tests.support import FakeClock

from .conftest import readme_legacy_verifier, readme_verifier
from .receiver import Received, Receiver


async def _deliver_one(c: Container, tenant: Tenant, receiver: Receiver) -> Received:
    """Open a session and deliver its ``opened`` record (without moving the clock)."""
    before = len(receiver.posts)
    await c.sessions.open(tenant.pk, OpenRequest("user", ids.sortable_id("u")), TEST_ACTOR)
    while await c.dispatcher.run_once():
        pass
    assert len(receiver.posts) == before + 1
    return receiver.posts[-1]


def _library_accepts(secret: str | bytes, post: Received) -> bool:
    try:
        StandardWebhook(secret).verify(post.body, post.headers)
    except WebhookVerificationError:
        return False
    return True


def _readme_accepts(secret: str, post: Received) -> bool:
    now = int(post.headers["webhook-timestamp"]) + 5  # received a moment later
    return readme_verifier()(secret, post.headers, post.body, now=now)


def _legacy_accepts(secret: str, post: Received) -> bool:
    header = post.headers["Sessionary-Signature"]
    now = int(header.split(",")[0].removeprefix("t=")) + 5
    return readme_legacy_verifier()(secret, header, post.body, now=now)


def _signed_by(secret: str, post: Received) -> bool:
    """Both the library and the README's code accept it (and agree)."""
    library, readme = _library_accepts(secret, post), _readme_accepts(secret, post)
    assert library == readme, (library, readme)
    return library


async def test_a_new_secret_is_in_the_standard_format_and_signs_standard_headers(
    container: Container, tenant: Tenant, receiver: Receiver
) -> None:
    created = await container.webhooks.create(tenant.pk, receiver.url, [], TEST_ACTOR)
    assert created.secret.startswith("whsec_")
    assert len(base64.b64decode(created.secret.removeprefix("whsec_"), validate=True)) == 32

    post = await _deliver_one(container, tenant, receiver)

    assert post.headers["webhook-signature"].startswith("v1,")
    assert " " not in post.headers["webhook-signature"]  # one secret, one signature
    assert _signed_by(created.secret, post)
    assert _legacy_accepts(created.secret, post)
    [delivery], _ = await container.webhooks.deliveries(tenant.pk, created.webhook.id)
    assert post.headers["webhook-id"] == str(delivery.pk)


async def test_a_tampered_body_or_a_wrong_secret_is_refused_by_both_verifiers(
    container: Container, tenant: Tenant, receiver: Receiver
) -> None:
    created = await container.webhooks.create(tenant.pk, receiver.url, [], TEST_ACTOR)
    post = await _deliver_one(container, tenant, receiver)
    other = (await container.webhooks.create(tenant.pk, receiver.url, [], TEST_ACTOR)).secret

    assert not _signed_by(other, post)
    tampered = Received(**{**post.__dict__, "body": post.body + b" "})
    assert not _signed_by(created.secret, tampered)
    moved = Received(**{**post.__dict__, "headers": {**post.headers, "webhook-id": "999"}})
    assert not _signed_by(created.secret, moved)
    stamp = int(post.headers["webhook-timestamp"])
    assert not readme_verifier()(created.secret, post.headers, post.body, now=stamp + 3600)


async def test_during_the_overlap_both_secrets_sign_and_the_legacy_header_uses_the_new_one(
    container: Container, tenant: Tenant, receiver: Receiver
) -> None:
    created = await container.webhooks.create(tenant.pk, receiver.url, [], TEST_ACTOR)
    rotated = await container.webhooks.rotate_secret(
        tenant.pk, created.webhook.id, TEST_ACTOR, overlap_s=120
    )
    assert rotated.secret != created.secret and rotated.overlap_s == 120

    post = await _deliver_one(container, tenant, receiver)

    new_sig, old_sig = post.headers["webhook-signature"].split(" ")
    assert _signed_by(rotated.secret, post) and _signed_by(created.secret, post)
    only_new = Received(
        **{**post.__dict__, "headers": {**post.headers, "webhook-signature": new_sig}}
    )
    assert _signed_by(rotated.secret, only_new) and not _signed_by(created.secret, only_new)
    assert old_sig != new_sig
    assert _legacy_accepts(rotated.secret, post) and not _legacy_accepts(created.secret, post)


async def test_after_the_overlap_only_the_new_secret_signs_and_the_sweeper_forgets_the_old(
    container: Container, tenant: Tenant, clock: FakeClock, receiver: Receiver
) -> None:
    created = await container.webhooks.create(tenant.pk, receiver.url, [], TEST_ACTOR)
    hook_id = created.webhook.id
    rotated = await container.webhooks.rotate_secret(tenant.pk, hook_id, TEST_ACTOR, overlap_s=60)
    clock.advance(61)

    post = await _deliver_one(container, tenant, receiver)

    assert " " not in post.headers["webhook-signature"]
    assert _signed_by(rotated.secret, post) and not _signed_by(created.secret, post)
    assert (await container.webhooks.get(tenant.pk, hook_id)).previous_secret_sealed is not None
    await container.sweeper.apply_retention()
    hook = await container.webhooks.get(tenant.pk, hook_id)
    assert (hook.previous_secret_sealed, hook.previous_secret_expires_at) == (None, None)


async def test_an_overlap_of_zero_stops_the_old_secret_at_once(
    container: Container, tenant: Tenant, receiver: Receiver
) -> None:
    created = await container.webhooks.create(tenant.pk, receiver.url, [], TEST_ACTOR)
    rotated = await container.webhooks.rotate_secret(
        tenant.pk, created.webhook.id, TEST_ACTOR, overlap_s=0
    )
    assert rotated.webhook.previous_secret_sealed is None

    post = await _deliver_one(container, tenant, receiver)

    assert _signed_by(rotated.secret, post) and not _signed_by(created.secret, post)


async def test_rotating_again_during_an_overlap_keeps_only_the_latest_previous_secret(
    container: Container, tenant: Tenant, receiver: Receiver
) -> None:
    first = await container.webhooks.create(tenant.pk, receiver.url, [], TEST_ACTOR)
    hook_id = first.webhook.id
    second = await container.webhooks.rotate_secret(tenant.pk, hook_id, TEST_ACTOR, overlap_s=600)
    third = await container.webhooks.rotate_secret(tenant.pk, hook_id, TEST_ACTOR, overlap_s=600)

    post = await _deliver_one(container, tenant, receiver)

    assert len(post.headers["webhook-signature"].split(" ")) == 2
    assert _signed_by(third.secret, post) and _signed_by(second.secret, post)
    assert not _signed_by(first.secret, post)


async def test_the_webhook_id_is_the_same_on_every_retry_of_a_delivery(
    container: Container, tenant: Tenant, clock: FakeClock, receiver: Receiver
) -> None:
    created = await container.webhooks.create(tenant.pk, receiver.url, [], TEST_ACTOR)
    receiver.fail_first = 1
    await container.sessions.open(tenant.pk, OpenRequest("user", "u1"), TEST_ACTOR)
    await container.dispatcher.run_once()
    clock.advance(5)  # past the first backoff (base 2 s, times at most 1)
    await container.dispatcher.run_once()

    failed, accepted = receiver.posts
    assert (failed.status, accepted.status) == (500, 200)
    assert failed.headers["webhook-id"] == accepted.headers["webhook-id"]
    assert int(accepted.headers["webhook-timestamp"]) > int(failed.headers["webhook-timestamp"])
    assert _signed_by(created.secret, failed) and _signed_by(created.secret, accepted)


async def test_a_secret_issued_before_the_standard_format_keys_by_its_text_until_rotated(
    container: Container, tenant: Tenant, receiver: Receiver
) -> None:
    created = await container.webhooks.create(tenant.pk, receiver.url, [], TEST_ACTOR)
    legacy = ids.secret_token("whsec", 32)  # how earlier releases made secrets
    sealed = container.sealer.seal(legacy)
    await execute(
        container,
        update(webhooks).where(webhooks.c.id == created.webhook.id).values(secret_sealed=sealed),
    )

    post = await _deliver_one(container, tenant, receiver)

    assert _library_accepts(legacy.encode(), post)  # the README's advice for such secrets
    wrapped = "whsec_" + base64.b64encode(legacy.encode()).decode()
    assert _signed_by(wrapped, post) and _legacy_accepts(legacy, post)
    rotated = await container.webhooks.rotate_secret(tenant.pk, created.webhook.id, TEST_ACTOR)
    assert len(base64.b64decode(rotated.secret.removeprefix("whsec_"), validate=True)) == 32
    post = await _deliver_one(container, tenant, receiver)
    assert _signed_by(rotated.secret, post) and _library_accepts(legacy.encode(), post)


async def test_a_change_read_before_a_rotation_does_not_bring_the_old_secret_back(
    container: Container, tenant: Tenant, receiver: Receiver
) -> None:
    hook = (await container.webhooks.create(tenant.pk, receiver.url, [], TEST_ACTOR)).webhook
    stale = await container.webhooks.get(tenant.pk, hook.id)
    rotated = await container.webhooks.rotate_secret(tenant.pk, hook.id, TEST_ACTOR)
    async with container.database.unit_of_work() as uow:
        stale.active = False
        await uow.webhooks.save(stale)  # as a PATCH that read the row before the rotation
        await uow.commit()

    now = await container.webhooks.get(tenant.pk, hook.id)
    assert container.webhooks.secret_of(now) == rotated.secret
    assert now.previous_secret_sealed is not None and not now.active


async def test_a_subscription_written_without_the_new_columns_still_delivers(
    container: Container, tenant: Tenant, receiver: Receiver
) -> None:
    """A subscription made as the previous release makes it (``add`` names no new column)."""
    created = await container.webhooks.create(tenant.pk, receiver.url, [], TEST_ACTOR)
    row = webhooks.c
    async with container.database.unit_of_work(write=False) as uow:
        ex: Any = uow.sessions._ex
        found = (
            await ex.execute(select(row.previous_secret_sealed, row.previous_secret_expires_at))
        ).one()
        await uow.commit()
    assert tuple(found) == (None, None)
    assert _signed_by(created.secret, await _deliver_one(container, tenant, receiver))
