"""``sessionary rufus``: the admin path RUFUS Cloud offers in its web UI (spec §3.1)."""

from __future__ import annotations

import typer

from ...bootstrap import Container
from ...cli.common import CLI_ACTOR, JsonOption, emit_json, run
from .keys import RufusKey, create_key

rufus_app = typer.Typer(help="RUFUS Cloud dialect administration.", no_args_is_help=True)
keys_app = typer.Typer(help="RUFUS API keys (at most 10 per company).", no_args_is_help=True)
rufus_app.add_typer(keys_app, name="keys")


@keys_app.command("create")
def create(
    tenant: str = typer.Option(..., help="The company (tenant) name or id."),
    access: str = typer.Option(..., help="READ, WRITE or READ_WRITE."),
    unbind: bool = typer.Option(False, "--unbind", help="Allow unbinding devices (DELETE)."),
    alias: str = typer.Option(None, help="A name for the key."),
    json: bool = JsonOption,
) -> None:
    """Create a RUFUS API key (``ror-`` + 20 hex); it is printed once."""

    async def work(c: Container) -> RufusKey:
        return await create_key(c, tenant, access.upper(), unbind, alias, CLI_ACTOR)

    key = run(work)
    if json:
        emit_json(
            {"api_key": key.api_key, "access_type": key.access_type, "can_unbind": key.can_unbind}
        )
    else:
        typer.echo(f"{key.access_type} key{' (can unbind)' if key.can_unbind else ''}, shown once:")
        typer.echo(f"  {key.api_key}")
