"""``sessionary hivemp``: accounts and API keys of the HiveMP dialect."""

from __future__ import annotations

import typer

from ...bootstrap import Container
from ...cli.common import CLI_ACTOR, JsonOption, emit_json, run
from .accounts import create_account
from .keys import create_key

hivemp_app = typer.Typer(help="HiveMP dialect administration.", no_args_is_help=True)
accounts_app = typer.Typer(help="HiveMP accounts (email + password).", no_args_is_help=True)
keys_app = typer.Typer(help="HiveMP public and admin API keys.", no_args_is_help=True)
hivemp_app.add_typer(accounts_app, name="accounts")
hivemp_app.add_typer(keys_app, name="keys")


@accounts_app.command("create")
def accounts_create(
    tenant: str = typer.Option(..., help="The project (tenant) name or id."),
    email: str = typer.Option(...),
    password: str = typer.Option(..., help="Stored as scrypt of SHA-256('HiveMPv1' + password)."),
    admin: bool = typer.Option(False, "--admin", help="May open builtin:admin sessions."),
    json: bool = JsonOption,
) -> None:
    """Create an account that PUT /authenticate accepts."""

    async def work(c: Container) -> tuple[str, str]:
        found = await c.tenants.find(tenant)
        account = await create_account(c, found.pk, email, password, admin, CLI_ACTOR)
        return account.external_id, str(account.attributes["email"])

    account_id, stored_email = run(work)
    if json:
        emit_json({"id": account_id, "email": stored_email, "admin": admin})
    else:
        typer.echo(f"account {account_id} <{stored_email}>")


@keys_app.command("create")
def keys_create(
    tenant: str = typer.Option(..., help="The project (tenant) name or id."),
    key_type: str = typer.Option(..., "--type", help="public or admin."),
    json: bool = JsonOption,
) -> None:
    """Create a public key (for PUT /authenticate) or an admin key; printed once."""

    async def work(c: Container) -> str:
        return await create_key(c, tenant, key_type.lower(), CLI_ACTOR)

    secret = run(work)
    if json:
        emit_json({"api_key": secret, "type": key_type.lower()})
    else:
        typer.echo(f"{key_type.lower()} key, shown once:\n  {secret}")
