"""HiveMP API keys: their kind and types, and issuing public and admin keys (32 lowercase
hex) for the CLI and the console."""

from __future__ import annotations

import secrets

from ...domain.errors import InvalidInput
from ...domain.model import Actor
from ...services.credentials import NewCredential
from ...services.registry import Services

KIND = "hivemp"
PUBLIC, ADMIN, SESSION = "public", "admin", "session"
KEY_TYPES = (PUBLIC, ADMIN)


def new_api_key() -> str:
    return secrets.token_hex(16)


async def create_key(c: Services, tenant: str, key_type: str, actor: Actor) -> str:
    if key_type not in KEY_TYPES:
        raise InvalidInput(f"key type must be one of {', '.join(KEY_TYPES)}", field="type")
    found = await c.tenants.find(tenant)
    secret = new_api_key()
    attributes = {"type": key_type, "project": found.id}
    new = NewCredential(
        tenant_pk=found.pk,
        scopes=(),
        name=f"hivemp {key_type}",
        kind=KIND,
        attributes=attributes,
        secret=secret,
    )
    await c.credentials.issue(new, actor)
    return secret
