"""Keys and clients: list (keyset-paged), create (the secret is shown once), revoke — native
keys and the credentials of every installed dialect, whose cards (``KeyKind``) come from the
dialect registry and call the same provisioning as the CLI."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from litestar import Response, get, post
from litestar.di import Provide

from ..dialects.descriptor import Issued, KeyField, KeyKind
from ..domain.errors import InvalidInput
from ..domain.model import Actor, Tenant
from ..domain.scopes import SYSTEM, TENANT_SCOPES
from ..http.params import PositionQuery
from ..http.request_id import request_id
from ..services.credentials import NewCredential
from .context import Console, Form, read_form
from .render import PREFIX, AnyRequest, page, see_other
from .signin import Operator

PAGE = 50
NATIVE, NATIVE_LABEL = "native", "Native API key"
_NAME = KeyField("name", "Name (optional)", "name-native")


class KeyCards:
    """The dialects' cards by kind, in the registry's order. A plain class, not a dataclass:
    Litestar checks injected values with msgspec, which would otherwise walk into the cards'
    callables and their forward references."""

    __slots__ = ("by_kind",)

    def __init__(self, by_kind: dict[str, KeyKind]) -> None:
        self.by_kind = by_kind

    def labels(self) -> dict[str, str]:
        return {NATIVE: NATIVE_LABEL} | {k: card.label for k, card in self.by_kind.items()}


def dependencies(kinds: Sequence[KeyKind]) -> dict[str, Provide]:
    cards = KeyCards({kind.kind: kind for kind in kinds})
    return {"cards": Provide(lambda: cards, sync_to_thread=False, use_cache=True)}


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
    cards: KeyCards,
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
        cards=_cards(cards) if found else [(NATIVE, "Operator key", (_NAME,))],
        scopes=sorted(TENANT_SCOPES),
        notice="The key was revoked." if notice == "revoked" else None,
    )


def _cards(cards: KeyCards) -> list[tuple[str, str, tuple[KeyField, ...]]]:
    dialects = [(k.kind, k.label, k.fields) for k in cards.by_kind.values()]
    return [(NATIVE, NATIVE_LABEL, (_NAME,)), *dialects]


async def _issue(
    console: Console, cards: KeyCards, form: Form, tenant: Tenant | None, actor: Actor
) -> Issued:
    """Create one credential; its id and the (label, value) pairs to show once."""
    kind = form.get("kind")
    if kind == NATIVE:
        scopes = tuple(form.all("scope")) if tenant else (SYSTEM,)
        if not scopes:
            raise InvalidInput("choose at least one scope", field="scope")
        new = NewCredential(
            tenant_pk=tenant.pk if tenant else None, scopes=scopes, name=form.get("name") or None
        )
        issued = await console.c.credentials.issue(new, actor)
        return Issued(issued.credential.id, [("Secret", issued.secret)])
    if tenant is None:
        raise InvalidInput("dialect credentials belong to a tenant; choose one", field="tenant")
    card = cards.by_kind.get(kind)
    if card is None:
        raise InvalidInput("unknown kind of key", field="kind")
    return await card.issue(console.c, tenant, form, actor)


@post("/keys/create", status_code=201)
async def create_key(
    request: AnyRequest, console: Console, operator: Operator, cards: KeyCards
) -> Response[str]:
    form = await read_form(request)
    tenant = await _tenant_or_none(console, form.get("tenant"))
    actor = operator.actor(request_id(request))
    issued = await _issue(console, cards, form, tenant, actor)
    return page(
        request,
        "key_created.html",
        status=201,
        title="Key created",
        operator=operator,
        tenant=tenant,
        kind=cards.labels().get(form.get("kind"), "Key"),
        key_id=issued.key_id,
        shown=issued.shown,
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
