"""``sessionary db downgrade``: undo the last migration (or down to a revision)."""

from __future__ import annotations

import typer

from ..storage.migrate import DowngradeRefused, current, downgrade, downgrade_plan
from .common import JsonOption, emit_json, fail, migration_url
from .db import db_app


# "-2" is a revision here, not an unknown option
@db_app.command("downgrade", context_settings={"ignore_unknown_options": True})
def db_downgrade(
    revision: str = typer.Argument("-1", help='"-N" steps back, "base", or a revision id.'),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    json: bool = JsonOption,
) -> None:
    """Undo the last migration (or down to REVISION) of SESSIONARY_DATABASE_URL.

    Then serve it with the sessionary whose head is the revision left (README "Upgrading")."""
    url = migration_url()
    try:
        undo = downgrade_plan(url, revision)
    except DowngradeRefused as exc:
        fail(str(exc))
    except Exception as exc:
        fail(f"cannot read the database: {type(exc).__name__}: {exc}")
    if not yes and not typer.confirm(f"undo migration(s) {', '.join(undo)}?"):
        fail("nothing changed", 1)
    try:
        downgrade(url, undo)
    except Exception as exc:
        fail(f"downgrade failed: {type(exc).__name__}: {exc}")
    rev = current(url)
    if json:
        emit_json({"revision": rev, "undone": undo})
    else:
        typer.echo(f"undid {', '.join(undo)}; database at revision {rev or '(empty)'}")
