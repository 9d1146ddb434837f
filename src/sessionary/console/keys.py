"""Keys and clients: list (keyset-paged), create (the secret is shown once), revoke — native
keys and every dialect's credentials, through the same helpers as the CLI."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Response, get, post

from ..domain.errors import InvalidInput
from ..domain.model import Actor, Tenant
from ..domain.scopes import SYSTEM, TENANT_SCOPES
from ..http.dialects.casino.partners import create_partner
from ..http.dialects.hivemp.keys import create_key as create_hivemp_key
from ..http.dialects.pagos.admin import create_client
from ..http.dialects.rufus.auth import ACCESS_TYPES
from ..http.dialects.rufus.keys import create_key as create_rufus_key
from ..http.params import PositionQuery
from ..http.request_id import request_id
from ..services.credentials import NewCredential
from .context import Console, Form, read_form
from .render import PREFIX, AnyRequest, page, see_other
from .signin import Operator

PAGE = 50
KINDS = {
    "native": "Native API key",
    "rufus": "RUFUS API key",
    "hivemp": "HiveMP API key",
    "pagos": "Pagos client",
    "casino": "Casino partner",
}


def _status(row: Any, now: int) -> str:
    if row.revoked_at is not None:
        return "revoked"
    if row.expires_at is not None and row.expires_at <= now:
        return "expired"
    return "live"


async def _tenant_or_none(console: Console, name: str) -> Tenant | None:
    return await console.c.tenants.find(name) if name else None


@get("/keys", name="console:keys")
async def list_keys(
    request: AnyRequest,
    console: Console,
    operator: Operator,
    tenant: str = "",
    before: PositionQuery = None,
    notice: str | None = None,
) -> Response[str]:
    found = await _tenant_or_none(console, tenant)
    result = await console.reads.keys(found.pk if found else None, before, PAGE)
    now = console.c.clock.now()
    next_url = None
    if result.next_cursor is not None:
        next_url = f"{PREFIX}/keys?" + urlencode({"tenant": tenant, "before": result.next_cursor})
    return page(
        request,
        "keys.html",
        title="Keys and clients",
        operator=operator,
        tenants=await console.c.tenants.list(),
        tenant=found,
        rows=[(row, _status(row, now)) for row in result.items],
        next_url=next_url,
        first_url=(f"{PREFIX}/keys?" + urlencode({"tenant": tenant})) if before else None,
        kinds=KINDS if found else {"native": "Operator key"},
        scopes=sorted(TENANT_SCOPES),
        access_types=ACCESS_TYPES,
        notice="The key was revoked." if notice == "revoked" else None,
    )


async def _issue(console: Console, form: Form, tenant: Tenant | None, actor: Actor) -> Any:
    """Create one credential; the (label, value) pairs to show once."""
    kind = form.get("kind")
    if kind == "native":
        scopes = tuple(form.all("scope")) if tenant else (SYSTEM,)
        if not scopes:
            raise InvalidInput("choose at least one scope", field="scope")
        new = NewCredential(
            tenant_pk=tenant.pk if tenant else None, scopes=scopes, name=form.get("name") or None
        )
        issued = await console.c.credentials.issue(new, actor)
        return issued.credential.id, [("Secret", issued.secret)]
    if tenant is None:
        raise InvalidInput("dialect credentials belong to a tenant; choose one", field="tenant")
    if kind == "rufus":
        access = form.get("access").upper()
        alias = form.get("name") or None
        key = await create_rufus_key(
            console.c, tenant.name, access, form.get("unbind") == "on", alias, actor
        )
        return None, [("API key", key.api_key), ("Access type", key.access_type)]
    if kind == "hivemp":
        secret = await create_hivemp_key(console.c, tenant.name, form.get("type").lower(), actor)
        return None, [("API key", secret), ("Type", form.get("type").lower())]
    if kind == "pagos":
        client_id, secret = await create_client(console.c, tenant.name, actor)
        return client_id, [("Client Identifier", client_id), ("Client Secret", secret)]
    if kind == "casino":
        partner = await create_partner(
            console.c, tenant.name, actor, secure_login=form.get("secure_login") or None
        )
        shown = [("Partner ID (secureLogin)", partner.secure_login), ("Token", partner.token)]
        return None, [*shown, ("Signing secret", partner.secret)]
    raise InvalidInput("unknown kind of key", field="kind")


@post("/keys/create", status_code=201)
async def create_key(request: AnyRequest, console: Console, operator: Operator) -> Response[str]:
    form = await read_form(request)
    tenant = await _tenant_or_none(console, form.get("tenant"))
    key_id, shown = await _issue(console, form, tenant, operator.actor(request_id(request)))
    return page(
        request,
        "key_created.html",
        status=201,
        title="Key created",
        operator=operator,
        tenant=tenant,
        kind=KINDS.get(form.get("kind"), "Key"),
        key_id=key_id,
        shown=shown,
    )


@post("/keys/{key_id:str}/revoke", status_code=303)
async def revoke_key(
    request: AnyRequest, console: Console, operator: Operator, key_id: str
) -> Response[Any]:
    form = await read_form(request)
    tenant = await _tenant_or_none(console, form.get("tenant"))
    actor = operator.actor(request_id(request))
    revoked = await console.c.credentials.revoke(tenant.pk if tenant else None, key_id, actor)
    console.c.auth.forget(revoked.digest)
    query = {"tenant": tenant.name if tenant else "", "notice": "revoked"}
    return see_other(f"{PREFIX}/keys?" + urlencode(query))


ROUTES: list[Any] = [list_keys, create_key, revoke_key]
