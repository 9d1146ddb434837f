"""/v1/webhooks: subscriptions (tenant admin), their deliveries, and replay."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import delete, get, patch, post
from litestar.params import Parameter

from ...domain.model import Actor, Principal
from ...domain.scopes import ADMIN
from ...domain.webhooks import Delivery, DeliveryStatus, Webhook
from ...services.registry import Services
from ..deps import AnyRequest, tenant_of
from . import cursor
from .body import decode_body
from .present import iso, iso_or_none
from .webhook_structs import (
    CreatedWebhookOut,
    DeliveryOut,
    DeliveryPage,
    ReplayIn,
    ReplayOut,
    RotatedSecretOut,
    RotateSecretIn,
    WebhookIn,
    WebhookOut,
    WebhookPatchIn,
)

_ACTIVE_STATES = (DeliveryStatus.PENDING, DeliveryStatus.DELIVERING)


def webhook_out(hook: Webhook) -> WebhookOut:
    return WebhookOut(
        id=hook.id,
        url=hook.url,
        event_types=hook.event_types,
        active=hook.active,
        created_at=iso(hook.created_at),
        disabled_at=iso_or_none(hook.disabled_at),
    )


def delivery_out(d: Delivery) -> DeliveryOut:
    return DeliveryOut(
        id=d.pk,
        event_id=str(d.lifecycle_id),
        status=d.status.value,
        attempts=d.attempts,
        next_attempt_at=iso(d.next_attempt_at) if d.status in _ACTIVE_STATES else None,
        last_status=d.last_status,
        last_error=d.last_error,
        created_at=iso(d.created_at),
        delivered_at=iso_or_none(d.delivered_at),
    )


@post("/webhooks", status_code=201, opt={"scope": ADMIN, "body": WebhookIn}, tags=["webhooks"])
async def create_webhook(
    request: AnyRequest, c: Services, principal: Principal, actor: Actor
) -> CreatedWebhookOut:
    """Subscribe a URL to the tenant's lifecycle records written from now on (all types, or
    ``event_types``). The signing ``secret`` is in this response only. The URL's host must be
    a public address, or resolve only to public ones (loopback, private, link-local and other
    internal addresses are refused with 422 unless the operator allows their network)."""
    body = await decode_body(request, WebhookIn)
    created = await c.webhooks.create(tenant_of(principal), body.url, body.event_types, actor)
    hook = created.webhook
    return CreatedWebhookOut(
        id=hook.id,
        url=hook.url,
        event_types=hook.event_types,
        active=hook.active,
        created_at=iso(hook.created_at),
        secret=created.secret,
    )


@get("/webhooks", opt={"scope": ADMIN}, tags=["webhooks"])
async def list_webhooks(c: Services, principal: Principal) -> list[WebhookOut]:
    return [webhook_out(h) for h in await c.webhooks.list(tenant_of(principal))]


@get("/webhooks/{webhook_id:str}", opt={"scope": ADMIN}, tags=["webhooks"])
async def get_webhook(webhook_id: str, c: Services, principal: Principal) -> WebhookOut:
    return webhook_out(await c.webhooks.get(tenant_of(principal), webhook_id))


@patch(
    "/webhooks/{webhook_id:str}", opt={"scope": ADMIN, "body": WebhookPatchIn}, tags=["webhooks"]
)
async def update_webhook(
    webhook_id: str, request: AnyRequest, c: Services, principal: Principal, actor: Actor
) -> WebhookOut:
    """Change the URL or the types, or pause (``active: false``) and resume delivery; records
    written while paused are delivered on resume."""
    body = await decode_body(request, WebhookPatchIn)
    hook = await c.webhooks.update(
        tenant_of(principal),
        webhook_id,
        actor,
        url=body.url,
        event_types=body.event_types,
        active=body.active,
    )
    return webhook_out(hook)


@delete("/webhooks/{webhook_id:str}", status_code=204, opt={"scope": ADMIN}, tags=["webhooks"])
async def delete_webhook(webhook_id: str, c: Services, principal: Principal, actor: Actor) -> None:
    await c.webhooks.delete(tenant_of(principal), webhook_id, actor)


@get("/webhooks/{webhook_id:str}/deliveries", opt={"scope": ADMIN}, tags=["webhooks"])
async def list_deliveries(
    webhook_id: str,
    c: Services,
    principal: Principal,
    status: DeliveryStatus | None = None,
    cursor_: Annotated[str | None, Parameter(query="cursor")] = None,
    limit: Annotated[int, Parameter(ge=1, le=500)] = 100,
) -> DeliveryPage:
    """Deliveries oldest first with status, attempts and the last error; ``status=dead`` is
    the dead-letter list."""
    after = cursor.decode("dlv", cursor_)
    items, next_pk = await c.webhooks.deliveries(
        tenant_of(principal), webhook_id, status, after, limit
    )
    return DeliveryPage(
        items=[delivery_out(d) for d in items],
        next_cursor=None if next_pk is None else cursor.encode("dlv", next_pk),
    )


@post(
    "/webhooks/{webhook_id:str}/replay",
    status_code=202,
    opt={"scope": ADMIN, "body": ReplayIn},
    tags=["webhooks"],
)
async def replay_webhook(
    webhook_id: str, request: AnyRequest, c: Services, principal: Principal, actor: Actor
) -> ReplayOut:
    """Deliver again every record from ``from_event_id`` on, dead-lettered ones included."""
    body = await decode_body(request, ReplayIn)
    requeued = await c.webhooks.replay(tenant_of(principal), webhook_id, body.from_event_id, actor)
    return ReplayOut(requeued=requeued)


@post(
    "/webhooks/{webhook_id:str}/rotate-secret",
    status_code=200,
    opt={"scope": ADMIN, "body": RotateSecretIn, "body_optional": True},
    tags=["webhooks"],
)
async def rotate_webhook_secret(
    webhook_id: str, request: AnyRequest, c: Services, principal: Principal, actor: Actor
) -> RotatedSecretOut:
    """Issue a new signing ``secret`` (in this response only). Until
    ``previous_secret_expires_at`` (``overlap_s`` from now; default: the server's setting,
    0 = none) every delivery is signed by the new and the old secret, so receivers switch
    without refusing one. Rotating again during an overlap keeps only the latest old secret."""
    body = await decode_body(request, RotateSecretIn, optional=True)
    rotated = await c.webhooks.rotate_secret(
        tenant_of(principal), webhook_id, actor, body.overlap_s
    )
    return RotatedSecretOut(
        id=rotated.webhook.id,
        secret=rotated.secret,
        previous_secret_expires_at=iso_or_none(rotated.webhook.previous_secret_expires_at),
    )


ROUTES: list[Any] = [
    create_webhook,
    list_webhooks,
    get_webhook,
    update_webhook,
    delete_webhook,
    list_deliveries,
    replay_webhook,
    rotate_webhook_secret,
]
