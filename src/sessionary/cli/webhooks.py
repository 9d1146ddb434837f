"""``sessionary webhooks``: subscriptions, deliveries, replay, and a delivery worker."""

from __future__ import annotations

import asyncio

import typer

from ..bootstrap import Container
from ..domain import limits
from ..domain.webhooks import Delivery, DeliveryStatus, Webhook
from ..services.webhooks import CreatedWebhook
from .common import CLI_ACTOR, JsonOption, emit_json, emit_table, run
from .present import iso

webhooks_app = typer.Typer(help="Webhook subscriptions and deliveries.", no_args_is_help=True)

TenantOption = typer.Option(..., "--tenant", help="Tenant name or id.")


def _hook_json(hook: Webhook) -> dict[str, object]:
    return {
        "id": hook.id,
        "url": hook.url,
        "event_types": hook.event_types,
        "active": hook.active,
        "created_at": iso(hook.created_at),
    }


def _delivery_json(d: Delivery) -> dict[str, object]:
    return {
        "id": d.pk,
        "event_id": str(d.lifecycle_id),
        "status": d.status.value,
        "attempts": d.attempts,
        "last_status": d.last_status,
        "last_error": d.last_error,
        "created_at": iso(d.created_at),
        "delivered_at": iso(d.delivered_at) if d.delivered_at else None,
    }


@webhooks_app.command("create")
def webhooks_create(
    tenant: str = TenantOption,
    url: str = typer.Option(..., "--url", help="Where to POST records (http or https)."),
    event: list[str] = typer.Option([], "--event", help="Record type; repeat. Default: all."),
    json: bool = JsonOption,
) -> None:
    """Subscribe a URL; the signing secret is printed once."""

    async def work(c: Container) -> CreatedWebhook:
        found = await c.tenants.find(tenant)
        return await c.webhooks.create(found.pk, url, list(event), CLI_ACTOR)

    created = run(work)
    if json:
        emit_json({**_hook_json(created.webhook), "secret": created.secret})
        return
    typer.echo(f"created webhook {created.webhook.id} -> {created.webhook.url}")
    typer.echo(f"signing secret (shown once): {created.secret}")


@webhooks_app.command("list")
def webhooks_list(tenant: str = TenantOption, json: bool = JsonOption) -> None:
    """List a tenant's subscriptions."""

    async def work(c: Container) -> list[Webhook]:
        return await c.webhooks.list((await c.tenants.find(tenant)).pk)

    hooks = run(work)
    if json:
        emit_json([_hook_json(h) for h in hooks])
        return
    rows = [
        (h.id, h.url, ",".join(h.event_types) or "*", "yes" if h.active else "no") for h in hooks
    ]
    emit_table("webhooks", ["id", "url", "types", "active"], rows)


@webhooks_app.command("delete")
def webhooks_delete(webhook_id: str, tenant: str = TenantOption) -> None:
    """Delete a subscription and its delivery history."""

    async def work(c: Container) -> None:
        await c.webhooks.delete((await c.tenants.find(tenant)).pk, webhook_id, CLI_ACTOR)

    run(work)
    typer.echo(f"deleted webhook {webhook_id}")


@webhooks_app.command("deliveries")
def webhooks_deliveries(
    webhook_id: str,
    tenant: str = TenantOption,
    status: DeliveryStatus = typer.Option(None, help="Only this status (dead = dead letters)."),
    limit: int = typer.Option(100, min=1, max=500),
    json: bool = JsonOption,
) -> None:
    """A subscription's deliveries, oldest first."""

    async def work(c: Container) -> list[Delivery]:
        tenant_pk = (await c.tenants.find(tenant)).pk
        page, _ = await c.webhooks.deliveries(tenant_pk, webhook_id, status, None, limit)
        return page

    rows = run(work)
    if json:
        emit_json([_delivery_json(d) for d in rows])
        return
    emit_table(
        "deliveries",
        ["id", "event", "status", "attempts", "last error"],
        [(d.pk, d.lifecycle_id, d.status.value, d.attempts, d.last_error or "") for d in rows],
    )


@webhooks_app.command("replay")
def webhooks_replay(
    webhook_id: str,
    tenant: str = TenantOption,
    from_event: int = typer.Option(
        ..., "--from", min=1, max=limits.INT64_MAX, help="First event id to deliver again."
    ),
    json: bool = JsonOption,
) -> None:
    """Deliver again every record from an event id on (dead letters included)."""

    async def work(c: Container) -> int:
        tenant_pk = (await c.tenants.find(tenant)).pk
        return await c.webhooks.replay(tenant_pk, webhook_id, from_event, CLI_ACTOR)

    requeued = run(work)
    if json:
        emit_json({"requeued": requeued})
    else:
        typer.echo(f"requeued {requeued} deliveries")


@webhooks_app.command("deliver")
def webhooks_deliver(
    forever: bool = typer.Option(False, help="Keep delivering (a worker without an API)."),
    json: bool = JsonOption,
) -> None:
    """Deliver what is due now (or keep doing so with --forever)."""

    async def work(c: Container) -> int:
        if forever:
            await c.dispatcher.run_forever(c.settings.webhook_interval_s or 1.0)
        total = 0
        while step := await c.dispatcher.run_once():
            total += step
            await asyncio.sleep(0)
        return total

    done = run(work)
    if json:
        emit_json({"processed": done})
    else:
        typer.echo(f"processed {done} records and deliveries")
