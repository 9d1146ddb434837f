"""``sessionary db`` and ``sessionary sweep``."""

from __future__ import annotations

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn

from ..bootstrap import Container
from ..storage.migrate import current, upgrade
from .common import JsonOption, emit_json, fail, migration_url, run, settings
from .db_backup import db_backup, db_restore
from .db_copy import db_copy

db_app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head"), json: bool = JsonOption) -> None:
    """Migrate the database named by SESSIONARY_DATABASE_URL (directly, not through PgBouncer)."""
    url = migration_url()
    try:
        upgrade(url, revision)
    except Exception as exc:
        fail(f"migration failed: {type(exc).__name__}: {exc}")
    rev = current(url)
    if json:
        emit_json({"revision": rev})
    else:
        typer.echo(f"database at revision {rev}")


@db_app.command("current")
def db_current(json: bool = JsonOption) -> None:
    """Show the schema revision of the database."""
    url = settings().database_url  # a settings error exits 2 with its own message
    try:
        rev = current(url)
    except Exception as exc:
        fail(f"cannot read the database: {type(exc).__name__}: {exc}")
    if json:
        emit_json({"revision": rev})
    else:
        typer.echo(rev or "(empty database)")


db_app.command("backup")(db_backup)
db_app.command("restore")(db_restore)
db_app.command("copy")(db_copy)


def sweep(json: bool = JsonOption) -> None:
    """Run one housekeeping pass: durable expiry, retention, old idempotency keys, spent
    dialect credentials."""

    async def work(c: Container) -> dict[str, int]:
        return {
            "expired": await c.sweeper.sweep_once(),
            "purged_by_retention": await c.sweeper.apply_retention(),
            "idempotency_keys_purged": await c.sweeper.purge_idempotency_keys(),
            "credentials_purged": await c.sweeper.purge_credentials(),
        }

    with Progress(SpinnerColumn(), TextColumn("sweeping"), transient=True, disable=json) as p:
        p.add_task("sweep")
        counts = run(work)
    if json:
        emit_json(counts)
    else:
        typer.echo(", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in counts.items()))
