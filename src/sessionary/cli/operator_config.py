"""``sessionary config reference`` (the generated configuration reference) and
``sessionary operator-key issue`` (a new operator key when the bootstrap key is lost)."""

from __future__ import annotations

import sys

import typer

from .. import config_reference
from ..bootstrap import Container
from ..domain.model import Actor
from ..domain.scopes import SYSTEM
from ..services.credentials import IssuedCredential, NewCredential
from .common import JsonOption, emit_json, run, settings
from .startup import deliver_key

config_app = typer.Typer(help="The configuration (SESSIONARY_* variables).", no_args_is_help=True)
operator_key_app = typer.Typer(help="Operator (system) keys.", no_args_is_help=True)
# The audit trail tells a recovery from an ordinary `keys create --operator`.
RECOVERY_ACTOR = Actor(credential_pk=None, label="cli:operator-key")


@config_app.command("reference")
def config_reference_command(json: bool = JsonOption) -> None:
    """Print every SESSIONARY_* variable with its type, default and meaning (docs/configuration.md
    is this output). Loads no settings, so it works with a broken environment."""
    if json:
        emit_json(config_reference.as_json())
    else:
        sys.stdout.write(config_reference.markdown())


@operator_key_app.command("issue")
def operator_key_issue(
    revoke_others: bool = typer.Option(
        False, "--revoke-others", help="Also revoke every other operator key (a lost one)."
    ),
    json: bool = JsonOption,
) -> None:
    """Issue a new operator key straight from the database, for when the bootstrap key is lost.
    Audit-logged (credential.create, and credential.revoke per revoked key, actor
    cli:operator-key). Off a terminal it is written to a 0600 file in SESSIONARY_DATA_DIR;
    --json prints it, for a script that asked for it."""
    cfg = settings()

    async def work(c: Container) -> tuple[IssuedCredential, list[str]]:
        new = NewCredential(tenant_pk=None, scopes=(SYSTEM,), name="recovery")
        issued = await c.credentials.issue(new, RECOVERY_ACTOR)
        revoked = []
        if revoke_others:
            for key in await c.credentials.list(None):
                if key.id != issued.credential.id and key.revoked_at is None:
                    await c.credentials.revoke(None, key.id, RECOVERY_ACTOR)
                    revoked.append(key.id)
        return issued, revoked

    issued, revoked = run(work)
    if json:
        emit_json({"id": issued.credential.id, "secret": issued.secret, "revoked": revoked})
        return
    deliver_key(cfg, issued.secret, issued.credential.id, f"Operator key {issued.credential.id}")
    if revoked:
        typer.echo(f"revoked {len(revoked)} other operator key(s): {', '.join(revoked)}")
