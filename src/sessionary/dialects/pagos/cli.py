"""``sessionary pagos``: clients and applications of the Pagos dialect."""

from __future__ import annotations

import typer

from ...bootstrap import Container
from ...cli.common import CLI_ACTOR, JsonOption, emit_json, run
from .clients import create_application, create_client

pagos_app = typer.Typer(help="SpreadsheetWEB/Pagos dialect administration.", no_args_is_help=True)
clients_app = typer.Typer(help="API clients (identifier + secret).", no_args_is_help=True)
apps_app = typer.Typer(help="Applications (ApplicationKey).", no_args_is_help=True)
pagos_app.add_typer(clients_app, name="clients")
pagos_app.add_typer(apps_app, name="apps")


@clients_app.command("create")
def clients_create(
    tenant: str = typer.Option(..., help="The client organisation (tenant) name or id."),
    json: bool = JsonOption,
) -> None:
    """Create a client; its secret is printed once."""

    async def work(c: Container) -> tuple[str, str]:
        return await create_client(c, tenant, CLI_ACTOR)

    client_id, secret = run(work)
    if json:
        emit_json({"client_id": client_id, "client_secret": secret})
    else:
        typer.echo(f"client {client_id}; secret, shown once:\n  {secret}")


@apps_app.command("create")
def apps_create(
    tenant: str = typer.Option(..., help="The client organisation (tenant) name or id."),
    grant: list[str] = typer.Option([], "--grant", help="A client id with rights; repeatable."),
    public: bool = typer.Option(False, "--public", help="Public instead of restricted access."),
    json: bool = JsonOption,
) -> None:
    """Create an application and grant clients rights on it."""

    async def work(c: Container) -> str:
        return await create_application(c, tenant, list(grant), public, CLI_ACTOR)

    key = run(work)
    if json:
        emit_json({"application_key": key})
    else:
        typer.echo(f"application {key}")
