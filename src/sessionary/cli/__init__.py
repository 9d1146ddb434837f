"""The ``sessionary`` command line (Typer + Rich). Every data command takes ``--json``.

Each installed dialect (``dialects/registry.py``, with ``SESSIONARY_EXTRA_DIALECTS``) adds its
own group, ``sessionary <dialect> ...``."""

from __future__ import annotations

from collections.abc import Sequence

import typer

from ..dialects.descriptor import Dialect
from ..dialects.registry import extra_from_env, installed
from . import remote, webhook_secrets  # noqa: F401 - webhook_secrets adds its command
from .admin import keys_app, tenants_app
from .db import db_app, sweep
from .db_downgrade import db_downgrade  # noqa: F401  (registers `db downgrade`)
from .operator_config import config_app, operator_key_app
from .secrets import secrets_app
from .serve import serve
from .sessions import sessions_app, usage_app
from .webhooks import webhooks_app


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


def build(dialects: Sequence[Dialect]) -> typer.Typer:
    """The command tree, with one group per dialect that has commands."""
    cli = typer.Typer(
        name="sessionary",
        help="Self-hosted session lifecycle service.",
        no_args_is_help=True,
        pretty_exceptions_show_locals=False,
    )
    cli.callback()(_connection)
    cli.command("serve")(serve)
    cli.command("sweep")(sweep)
    cli.add_typer(db_app, name="db")
    cli.add_typer(tenants_app, name="tenants")
    cli.add_typer(keys_app, name="keys")
    cli.add_typer(sessions_app, name="sessions")
    cli.add_typer(usage_app, name="usage")
    for dialect in dialects:
        if dialect.cli is not None:
            cli.add_typer(dialect.cli(), name=dialect.name)
    cli.add_typer(webhooks_app, name="webhooks")
    cli.add_typer(secrets_app, name="secrets")
    cli.add_typer(config_app, name="config")
    cli.add_typer(operator_key_app, name="operator-key")
    return cli


def _extra_dialects() -> tuple[str, ...]:
    """The plug-ins named in the environment; a malformed value is reported by the commands
    that load settings, so it must not stop ``--help`` here."""
    try:
        return extra_from_env()
    except ValueError:
        return ()


app = build(installed(_extra_dialects()))


def main() -> None:
    app()
