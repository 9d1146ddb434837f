"""``sessionary webhooks rotate-secret``: a new signing secret, the old one signing beside it
for an overlap (its own module so the webhooks group stays one idea per file)."""

from __future__ import annotations

import typer

from ..bootstrap import Container
from ..domain import limits
from ..services.webhooks import RotatedSecret
from .common import CLI_ACTOR, JsonOption, emit_json, run
from .present import iso
from .webhooks import TenantOption, webhooks_app


@webhooks_app.command("rotate-secret")
def webhooks_rotate_secret(
    webhook_id: str,
    tenant: str = TenantOption,
    overlap_s: int | None = typer.Option(
        None,
        "--overlap-s",
        min=0,
        max=limits.WEBHOOK_SECRET_OVERLAP_S,
        help="Seconds the old secret keeps signing too (0: none). "
        "Default: SESSIONARY_WEBHOOK_SECRET_OVERLAP_S.",
    ),
    json: bool = JsonOption,
) -> None:
    """Issue a new signing secret (printed once); the old one signs too during the overlap."""

    async def work(c: Container) -> RotatedSecret:
        tenant_pk = (await c.tenants.find(tenant)).pk
        return await c.webhooks.rotate_secret(tenant_pk, webhook_id, CLI_ACTOR, overlap_s)

    rotated = run(work)
    expires = rotated.webhook.previous_secret_expires_at
    until = iso(expires) if expires is not None else None
    if json:
        emit_json(
            {
                "id": rotated.webhook.id,
                "secret": rotated.secret,
                "previous_secret_expires_at": until,
            }
        )
        return
    typer.echo(f"rotated the secret of webhook {rotated.webhook.id}")
    typer.echo(f"new signing secret (shown once): {rotated.secret}")
    typer.echo(
        f"the old secret signs too until {until}" if until else "the old secret no longer signs"
    )
