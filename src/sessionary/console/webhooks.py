"""Webhooks: a tenant's subscriptions, their deliveries (paged) and replay, through the same
WebhookService as ``/v1/webhooks``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Response, get, post

from ..domain.errors import InvalidInput
from ..domain.model import Tenant
from ..domain.webhooks import EVENT_TYPES, DeliveryStatus
from ..http.bounds import event_id
from ..http.params import PositionQuery
from ..http.request_id import request_id
from .context import Console, read_form
from .render import PREFIX, AnyRequest, page, see_other
from .signin import Operator

PAGE = 50


@get("/webhooks", name="console:webhooks")
async def list_webhooks(
    request: AnyRequest, console: Console, operator: Operator, tenant: str = ""
) -> Response[str]:
    found = await console.c.tenants.find(tenant) if tenant else None
    return await _listing(request, console, operator, found)


async def _listing(
    request: AnyRequest,
    console: Console,
    operator: Operator,
    tenant: Tenant | None,
    status: int = 200,
    **form: str,
) -> Response[str]:
    """The subscriptions page; ``form`` refills the new-subscription form with its error."""
    return page(
        request,
        "webhooks.html",
        status=status,
        title="Webhooks",
        operator=operator,
        tenants=await console.c.tenants.list(),
        tenant=tenant,
        hooks=await console.c.webhooks.list(tenant.pk) if tenant else [],
        event_types=sorted(EVENT_TYPES),
        form=form,
    )


@post("/webhooks/{tenant:str}", status_code=201)
async def create_webhook(
    request: AnyRequest, console: Console, operator: Operator, tenant: str
) -> Response[str]:
    form = await read_form(request)
    found = await console.c.tenants.find(tenant)
    url, types = form.get("url"), form.all("event_type")
    actor = operator.actor(request_id(request))
    try:
        created = await console.c.webhooks.create(found.pk, url, types, actor)
    except InvalidInput as exc:  # the form again, as typed, with what to fix
        return await _listing(request, console, operator, found, 422, url=url, error=exc.message)
    return page(
        request,
        "webhook_created.html",
        status=201,
        title="Webhook created",
        operator=operator,
        tenant=found,
        hook=created.webhook,
        secret=created.secret,
    )


@get("/webhooks/{tenant:str}/{webhook_id:str}", name="console:webhook")
async def show_webhook(
    request: AnyRequest,
    console: Console,
    operator: Operator,
    tenant: str,
    webhook_id: str,
    status: str = "",
    after: PositionQuery = None,
    requeued: PositionQuery = None,
) -> Response[str]:
    found = await console.c.tenants.find(tenant)
    hook = await console.c.webhooks.get(found.pk, webhook_id)
    wanted = _status(status)
    items, nxt = await console.c.webhooks.deliveries(found.pk, hook.id, wanted, after, PAGE)
    base = f"{PREFIX}/webhooks/{found.name}/{hook.id}"
    next_url = None if nxt is None else f"{base}?" + urlencode({"status": status, "after": nxt})
    return page(
        request,
        "webhook.html",
        title=f"Webhook {hook.id}",
        operator=operator,
        tenant=found,
        hook=hook,
        deliveries=items,
        statuses=[s.value for s in DeliveryStatus],
        chosen=status,
        base=base,
        next_url=next_url,
        notice=None if requeued is None else f"Replay requested: {requeued} deliveries requeued.",
    )


def _status(value: str) -> DeliveryStatus | None:
    if not value:
        return None
    try:
        return DeliveryStatus(value)
    except ValueError:
        raise InvalidInput("unknown delivery status", field="status") from None


@post("/webhooks/{tenant:str}/{webhook_id:str}/replay", status_code=303)
async def replay_webhook(
    request: AnyRequest, console: Console, operator: Operator, tenant: str, webhook_id: str
) -> Response[Any]:
    form = await read_form(request)
    found = await console.c.tenants.find(tenant)
    from_id = event_id(form.get("from_event_id"), "from_event_id")
    actor = operator.actor(request_id(request))
    count = await console.c.webhooks.replay(found.pk, webhook_id, from_id, actor)
    return see_other(f"{PREFIX}/webhooks/{found.name}/{webhook_id}?requeued={count}")


ROUTES: list[Any] = [list_webhooks, create_webhook, show_webhook, replay_webhook]
