"""Pagos clients and applications: their kinds, and creating them (the vendor does this in
its admin UI; here the CLI and the console)."""

from __future__ import annotations

import secrets

from ...domain.errors import InvalidInput
from ...domain.model import Actor
from ...services.credentials import NewCredential
from ...services.registry import Services

CLIENT, APPLICATION = "pagos-client", "application"


def new_client_secret() -> str:
    return secrets.token_urlsafe(32)


async def create_client(c: Services, tenant: str, actor: Actor) -> tuple[str, str]:
    """(Client Identifier, Client Secret); the secret is stored only as a digest."""
    found = await c.tenants.find(tenant)
    secret = new_client_secret()
    new = NewCredential(
        tenant_pk=found.pk, scopes=(), name="pagos client", kind=CLIENT, secret=secret
    )
    issued = await c.credentials.issue(new, actor)
    return issued.credential.id, secret


async def create_application(
    c: Services, tenant: str, grants: list[str], public: bool, actor: Actor
) -> str:
    """A 32-hex ApplicationKey; ``grants`` are client ids that get rights on it."""
    found = await c.tenants.find(tenant)
    for client_id in grants:
        client = await c.credentials.get(found.pk, client_id)
        if client is None or client.kind != CLIENT:
            raise InvalidInput(f"no Pagos client {client_id} in this tenant", field="grant")
    key = secrets.token_hex(16)
    attributes = {"access": "public" if public else "restricted", "clients": sorted(set(grants))}
    await c.subjects.put(found.pk, APPLICATION, key, attributes, actor)
    return key
