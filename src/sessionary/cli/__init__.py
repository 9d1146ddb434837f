"""The ``sessionary`` command line (Typer + Rich). Every data command takes ``--json``."""

from __future__ import annotations

import typer

from . import remote
from .admin import keys_app, tenants_app
from .casino import casino_app
from .db import db_app, sweep
from .hivemp import hivemp_app
from .pagos import pagos_app
from .rufus import rufus_app
from .serve import serve
from .sessions import sessions_app, usage_app
from .webhooks import webhooks_app

app = typer.Typer(
    name="sessionary",
    help="Self-hosted session lifecycle service.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def _connection(
    ctx: typer.Context,
    server: str = typer.Option(
        None, "--server", envvar="SESSIONARY_SERVER", help="Use this server, not the database."
    ),
    key: str = typer.Option(
        None, "--key", envvar="SESSIONARY_KEY", help="API key for --server (prefer the envvar)."
    ),
) -> None:
    """Self-hosted session lifecycle service."""
    ctx.obj = remote.configure(server, key)


app.command("serve")(serve)
app.command("sweep")(sweep)
app.add_typer(db_app, name="db")
app.add_typer(tenants_app, name="tenants")
app.add_typer(keys_app, name="keys")
app.add_typer(sessions_app, name="sessions")
app.add_typer(usage_app, name="usage")
app.add_typer(rufus_app, name="rufus")
app.add_typer(hivemp_app, name="hivemp")
app.add_typer(pagos_app, name="pagos")
app.add_typer(casino_app, name="casino")
app.add_typer(webhooks_app, name="webhooks")


def main() -> None:
    app()
