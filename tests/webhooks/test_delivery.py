"""Webhook delivery against a real HTTP receiver on 127.0.0.1, on both backends."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import update

from sessionary.bootstrap import Container
from sessionary.domain.model import Tenant
from sessionary.domain.webhooks import DeliveryStatus
from sessionary.services import webhook_signing
from sessionary.services.sessions import OpenRequest
from sessionary.storage.tables import webhooks
from tests.conftest import TEST_ACTOR
from tests.observability.helpers import execute
from tests.support import FakeClock

from .conftest import readme_legacy_verifier, readme_verifier
from .receiver import Receiver


async def _churn(c: Container, tenant: Tenant, sessions: int) -> list[str]:
    """Open, extend and close some sessions: three records each."""
    ids = []
    for n in range(sessions):
        s = await c.sessions.open(
            tenant.pk, OpenRequest("user", f"u{n}", idle_timeout_s=60), TEST_ACTOR
        )
        await c.sessions.extend(tenant.pk, s.id, 120, TEST_ACTOR)
        await c.sessions.close(tenant.pk, s.id, TEST_ACTOR)
        ids.append(s.id)
    return ids


async def _drain(c: Container, clock: FakeClock, passes: int = 200) -> None:
    """Run the worker, moving the clock past every backoff, until nothing is left to do."""
    idle = 0
    for _ in range(passes):
        if await c.dispatcher.run_once():
            idle = 0
        else:
            idle += 1
            if idle > 2:
                return
        clock.advance(3600)


async def _lifecycle_ids(c: Container, tenant: Tenant) -> list[str]:
    records = await c.stream.page(tenant.pk, (-1, 0), 10_000)
    return [str(r.id) for r in records]


async def test_a_receiver_that_fails_the_first_attempts_gets_every_record_once_in_session_order(
    container: Container, tenant: Tenant, clock: FakeClock, receiver: Receiver
) -> None:
    receiver.fail_first = 7
    await container.webhooks.create(tenant.pk, receiver.url, [], TEST_ACTOR)
    await _churn(container, tenant, 5)

    await _drain(container, clock)

    kept = receiver.deduplicated()
    assert sorted(kept, key=int) == await _lifecycle_ids(container, tenant)
    per_session: dict[str, list[int]] = defaultdict(list)
    for post in receiver.accepted():
        per_session[post.session_id].append(int(post.event_id))
    assert len(per_session) == 5
    for ids in per_session.values():
        assert ids == sorted(ids)
        assert [kept[str(i)].type for i in ids] == ["opened", "extended", "closed"]
    assert sum(1 for p in receiver.posts if p.status != 200) == 7


async def test_every_delivery_is_signed_as_the_readme_says(
    container: Container, tenant: Tenant, clock: FakeClock, receiver: Receiver
) -> None:
    created = await container.webhooks.create(tenant.pk, receiver.url, [], TEST_ACTOR)
    await _churn(container, tenant, 1)
    await _drain(container, clock)

    verify, standard = readme_legacy_verifier(), readme_verifier()
    assert len(receiver.posts) == 3
    for post in receiver.posts:
        header = post.headers["Sessionary-Signature"]
        now = int(header.split(",")[0].removeprefix("t=")) + 5  # received a moment later
        assert standard(created.secret, post.headers, post.body, now=now)
        assert verify(created.secret, header, post.body, now=now)
        assert not verify("whsec_wrong", header, post.body, now=now)
        assert not verify(created.secret, header, post.body + b" ", now=now)
        assert not verify(created.secret, header, post.body, now=now + 3600)
        forged = header.split(",v1=")[0] + ",v1=\u00e9\u00e9"  # non-ASCII: False, not a crash
        assert not verify(created.secret, forged, post.body, now=now)
        assert webhook_signing.verify(created.secret, header, post.body, now)
        assert not webhook_signing.verify(created.secret, forged, post.body, now)
        assert post.headers["Sessionary-Event-Id"] == post.event_id


async def test_the_body_is_json_with_the_session_id_and_the_event_id(
    container: Container, tenant: Tenant, clock: FakeClock, receiver: Receiver
) -> None:
    await container.webhooks.create(tenant.pk, receiver.url, ["closed"], TEST_ACTOR)
    [sid] = await _churn(container, tenant, 1)
    await _drain(container, clock)

    [post] = receiver.posts
    body = post.payload
    assert body["session_id"] == sid
    assert body["type"] == "closed"
    assert body["id"] == post.event_id
    assert body["occurred_at"].endswith("Z")


async def test_a_receiver_down_for_good_ends_in_the_dead_letter_list_and_replay_delivers_later(
    container: Container, tenant: Tenant, clock: FakeClock
) -> None:
    down = Receiver().start()
    url = down.url
    down.stop()  # nothing listens on that port now
    created = await container.webhooks.create(tenant.pk, url, [], TEST_ACTOR)
    hook = created.webhook
    await _churn(container, tenant, 2)

    await _drain(container, clock)

    dead, _ = await container.webhooks.deliveries(tenant.pk, hook.id, DeliveryStatus.DEAD)
    assert len(dead) == 6
    assert all(d.attempts == container.settings.webhook_max_attempts for d in dead)
    assert {d.last_error for d in dead} == {"refused"}  # the class only, not the address

    port = int(url.rsplit(":", 1)[1].split("/")[0])
    back = Receiver().start(port)
    try:
        first = min(d.lifecycle_id for d in dead)
        assert await container.webhooks.replay(tenant.pk, hook.id, first, TEST_ACTOR) == 6
        await _drain(container, clock)
        assert sorted(back.deduplicated(), key=int) == await _lifecycle_ids(container, tenant)
        left, _ = await container.webhooks.deliveries(tenant.pk, hook.id, DeliveryStatus.DEAD)
        assert left == []
    finally:
        back.stop()


async def test_a_new_subscription_starts_at_the_end_and_replay_reaches_back(
    container: Container, tenant: Tenant, clock: FakeClock, receiver: Receiver
) -> None:
    await _churn(container, tenant, 1)
    created = await container.webhooks.create(tenant.pk, receiver.url, [], TEST_ACTOR)
    await _drain(container, clock)
    assert receiver.posts == []

    first = int((await _lifecycle_ids(container, tenant))[0])
    await container.webhooks.replay(tenant.pk, created.webhook.id, first, TEST_ACTOR)
    await _drain(container, clock)
    assert len(receiver.deduplicated()) == 3


async def test_a_subscription_receives_only_its_tenants_records_and_the_types_it_asked_for(
    container: Container,
    tenant: Tenant,
    other_tenant: Tenant,
    clock: FakeClock,
    receiver: Receiver,
) -> None:
    await container.webhooks.create(tenant.pk, receiver.url, ["opened", "closed"], TEST_ACTOR)
    await _churn(container, tenant, 2)
    await _churn(container, other_tenant, 2)
    await _drain(container, clock)

    assert sorted(p.type for p in receiver.posts) == ["closed", "closed", "opened", "opened"]
    mine = {str(r.id) for r in await container.stream.page(tenant.pk, (-1, 0), 100)}
    assert set(receiver.deduplicated()) <= mine


async def test_a_paused_subscription_delivers_what_was_written_meanwhile_when_resumed(
    container: Container, tenant: Tenant, clock: FakeClock, receiver: Receiver
) -> None:
    hook = (await container.webhooks.create(tenant.pk, receiver.url, [], TEST_ACTOR)).webhook
    await container.webhooks.update(tenant.pk, hook.id, TEST_ACTOR, active=False)
    await _churn(container, tenant, 1)
    await _drain(container, clock)
    assert receiver.posts == []

    await container.webhooks.update(tenant.pk, hook.id, TEST_ACTOR, active=True)
    await _drain(container, clock)
    assert len(receiver.deduplicated()) == 3


async def test_expiry_by_the_sweeper_is_delivered_too(
    container: Container, tenant: Tenant, clock: FakeClock, receiver: Receiver
) -> None:
    await container.webhooks.create(tenant.pk, receiver.url, ["expired"], TEST_ACTOR)
    s = await container.sessions.open(
        tenant.pk, OpenRequest("user", "x", idle_timeout_s=5), TEST_ACTOR
    )
    clock.advance(10)
    assert await container.sweeper.sweep_once() == 1
    await _drain(container, clock)
    [post] = receiver.posts
    assert (post.session_id, post.type) == (s.id, "expired")


async def test_a_subscription_whose_secret_cannot_be_unsealed_fails_alone_in_its_batch(
    container: Container, tenant: Tenant, clock: FakeClock, receiver: Receiver
) -> None:
    broken = (await container.webhooks.create(tenant.pk, receiver.url, [], TEST_ACTOR)).webhook
    good = (await container.webhooks.create(tenant.pk, receiver.url, [], TEST_ACTOR)).webhook
    # e.g. sealed under a SESSIONARY_SECRET_KEY the operator has since changed
    stale = update(webhooks).where(webhooks.c.id == broken.id).values(secret_sealed="v1:stale")
    await execute(container, stale)
    await _churn(container, tenant, 2)

    await _drain(container, clock)

    delivered, _ = await container.webhooks.deliveries(tenant.pk, good.id, DeliveryStatus.DELIVERED)
    assert len(delivered) == 6  # claimed in the same batches as the broken ones
    dead, _ = await container.webhooks.deliveries(tenant.pk, broken.id, DeliveryStatus.DEAD)
    assert len(dead) == 6 and {d.last_error for d in dead} == {"SealError"}
    assert sorted(receiver.deduplicated(), key=int) == await _lifecycle_ids(container, tenant)
