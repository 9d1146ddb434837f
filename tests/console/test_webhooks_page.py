"""The console's webhooks page: subscriptions, deliveries and replay through WebhookService."""

from __future__ import annotations

import httpx

from sessionary.bootstrap import Container
from sessionary.domain.model import Tenant
from sessionary.services.sessions import OpenRequest
from tests.conftest import TEST_ACTOR

from .helpers import post_form, signed_in


async def test_webhooks_are_listed_and_replayed_from_the_console(
    client: httpx.AsyncClient, container: Container, tenant: Tenant
) -> None:
    await signed_in(client, container)
    created = await container.webhooks.create(tenant.pk, "https://hooks.example/in", [], TEST_ACTOR)
    hook = created.webhook
    opened = await container.sessions.open(tenant.pk, OpenRequest("user", "u1"), TEST_ACTOR)
    async with container.database.unit_of_work(write=False) as uow:
        records = await uow.lifecycle.for_session(opened.pk)
        await uow.commit()
    listing = await client.get("/admin/webhooks", params={"tenant": "acme"})
    assert listing.status_code == 200
    assert f'data-webhook="{hook.id}"' in listing.text
    assert created.secret not in listing.text
    path = f"/admin/webhooks/acme/{hook.id}"
    detail = await client.get(path)
    assert detail.status_code == 200
    assert "https://hooks.example/in" in detail.text
    done = await post_form(client, path, f"{path}/replay", {"from_event_id": str(records[0].id)})
    assert done.status_code == 303, done.text
    assert "Replay requested" in (await client.get(done.headers["location"])).text
    audit, _ = await container.audit.page(tenant.pk, None, 5)
    assert (audit[0].action, audit[0].actor.label) == ("webhook.replay", "console")
    bad = await post_form(client, path, f"{path}/replay", {"from_event_id": "soon"})
    assert bad.status_code == 422
    unknown = await client.get(path, params={"status": "lost"})
    assert unknown.status_code == 422


async def test_an_operator_subscribes_a_url_and_sees_its_secret_once(
    client: httpx.AsyncClient, container: Container, tenant: Tenant
) -> None:
    await signed_in(client, container)
    listing = "/admin/webhooks?tenant=acme"
    data = {"url": "https://93.184.216.34/in", "event_type": "closed"}
    created = await post_form(client, listing, "/admin/webhooks/acme", data)
    assert created.status_code == 201, created.text
    [hook] = await container.webhooks.list(tenant.pk)
    assert (hook.url, hook.event_types) == ("https://93.184.216.34/in", ["closed"])
    assert hook.id in created.text and "whsec_" in created.text
    assert "whsec_" not in (await client.get(listing)).text


async def test_a_malformed_or_internal_url_re_renders_the_form_with_the_message(
    client: httpx.AsyncClient, container: Container, tenant: Tenant
) -> None:
    await signed_in(client, container)
    listing = "/admin/webhooks?tenant=acme"
    for url, says in (
        ("http://[::1", "not a valid URL"),
        ("http://h:0/", "invalid port"),
        ("http://169.254.169.254/latest", "link-local"),
        ("http://localhost:8000/", "loopback"),
    ):
        refused = await post_form(client, listing, "/admin/webhooks/acme", {"url": url})
        assert refused.status_code == 422, (url, refused.text)
        assert 'id="new-webhook"' in refused.text and says in refused.text
        assert f'value="{url}"' in refused.text  # as typed, to correct it
    assert await container.webhooks.list(tenant.pk) == []
