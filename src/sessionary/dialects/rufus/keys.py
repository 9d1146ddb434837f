"""RUFUS API keys: their kind and access types, and issuing them (the vendor has no endpoint
for it; the CLI and the console call this)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from ...domain.errors import InvalidInput
from ...domain.model import Actor
from ...services.credentials import NewCredential
from ...services.registry import Services

KIND = "rufus"
ACCESS_TYPES = ("READ", "WRITE", "READ_WRITE")


def new_api_key() -> str:
    return "ror-" + secrets.token_hex(10)


@dataclass(slots=True, frozen=True)
class RufusKey:
    api_key: str
    access_type: str
    can_unbind: bool
    alias: str | None


async def create_key(
    c: Services, tenant: str, access: str, can_unbind: bool, alias: str | None, actor: Actor
) -> RufusKey:
    """At most ``rufus_max_keys`` live keys per company; unbind only on writing keys."""
    if access not in ACCESS_TYPES:
        raise InvalidInput(f"access type must be one of {', '.join(ACCESS_TYPES)}")
    if can_unbind and access == "READ":
        raise InvalidInput("the unbind permission needs WRITE or READ_WRITE access")
    found = await c.tenants.find(tenant)
    secret = new_api_key()
    attributes = {"access_type": access, "can_unbind": can_unbind, "alias": alias}
    new = NewCredential(
        tenant_pk=found.pk, scopes=(), name=alias, kind=KIND, attributes=attributes, secret=secret
    )
    await c.credentials.issue(new, actor, max_live_of_kind=c.settings.rufus_max_keys)
    return RufusKey(secret, access, can_unbind, alias)
