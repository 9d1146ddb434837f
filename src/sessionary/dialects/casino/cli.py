"""``sessionary casino``: partners and the game catalogue of the casino dialect."""

from __future__ import annotations

import typer

from ...bootstrap import Container
from ...cli.common import CLI_ACTOR, JsonOption, emit_json, run
from .partners import NewPartner, add_game, create_partner

casino_app = typer.Typer(
    help="Casino (LuckyMonaco-style) dialect administration.", no_args_is_help=True
)
partners_app = typer.Typer(
    help="Partners (Partner ID, token, signing secret).", no_args_is_help=True
)
games_app = typer.Typer(help="The game catalogue.", no_args_is_help=True)
casino_app.add_typer(partners_app, name="partners")
casino_app.add_typer(games_app, name="games")


@partners_app.command("create")
def partners_create(
    tenant: str = typer.Option(..., help="Tenant name or id."),
    secure_login: str = typer.Option(None, help="Partner ID (default: generated)."),
    token: str = typer.Option(None, help="Static token (default: a uuid4, 36 chars)."),
    secret: str = typer.Option(None, help="Signing secret (default: random)."),
    json: bool = JsonOption,
) -> None:
    """Create a partner; token and secret are printed once (the secret is sealed at rest)."""

    async def work(c: Container) -> NewPartner:
        return await create_partner(c, tenant, CLI_ACTOR, secure_login, token, secret)

    made = run(work)
    if json:
        emit_json({"secure_login": made.secure_login, "token": made.token, "secret": made.secret})
    else:
        typer.echo(f"partner {made.secure_login}\n  token:  {made.token}\n  secret: {made.secret}")


@games_app.command("add")
def games_add(
    tenant: str = typer.Option(..., help="Tenant name or id."),
    game_id: str = typer.Option(..., help="e.g. lm_1_pumpkinfarm"),
    name: str = typer.Option(..., help="Display name."),
    json: bool = JsonOption,
) -> None:
    """Add (or rename) a game in the tenant's catalogue."""

    async def work(c: Container) -> None:
        await add_game(c, tenant, game_id, name, CLI_ACTOR)

    run(work)
    if json:
        emit_json({"game_id": game_id, "name": name})
    else:
        typer.echo(f"game {game_id} ({name})")
