"""``sessionary db backup`` and ``db restore``: SQLite files (storage/sqlite_backup.py).

On PostgreSQL both commands refuse and point at pg_dump and pg_restore (README, "Backup and
restore") rather than wrap them: the server's own tools must match its major version, their
options (parallel jobs, compression, what to leave out) are the operator's to choose, and a
point-in-time recovery needs base backups and WAL archiving, which no client command gives."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.engine import make_url

from ..storage.sqlite_backup import (
    DEFAULT_STEP_PAGES,
    BackupError,
    Copied,
    Restored,
    backup,
    restore,
)
from ..storage.sqlite_backup import Progress as OnProgress
from .common import JsonOption, emit_json, err_console, fail, settings

_PG_HINT = (
    "db {command} works on a SQLite database; for PostgreSQL use {tool} (README, 'Backup and "
    "restore'), e.g. {example}"
)
_PG_EXAMPLES = {
    "backup": "pg_dump --format=custom --file FILE DATABASE_URL",
    "restore": "pg_restore --dbname DATABASE_URL --no-owner FILE",
}
StepOption = typer.Option(
    DEFAULT_STEP_PAGES, "--step-pages", min=1, help="Pages copied per step of the progress bar."
)


def db_backup(
    file: Path = typer.Argument(..., help="Where to write the copy (one SQLite file)."),
    force: bool = typer.Option(False, "--force", help="Overwrite FILE if it exists."),
    step_pages: int = StepOption,
    json: bool = JsonOption,
) -> None:
    """Copy the SQLite database while the server keeps serving.

    One consistent snapshot: all that was committed before the command started is in it.

    Writers are not held up. The copy is checked (quick_check, schema revision), then renamed.
    """
    source = _sqlite_path("backup")
    with _bar("backing up", json) as on_progress:
        try:
            copied = backup(
                source, file, overwrite=force, step_pages=step_pages, progress=on_progress
            )
        except BackupError as exc:
            fail(str(exc))
        except OSError as exc:  # a file system's refusal: a directory, permissions, space
            fail(f"{exc.strerror}: {exc.filename2 or exc.filename}")
    _report("backed up to", copied, json)


def db_restore(
    file: Path = typer.Argument(..., help="A file written by `sessionary db backup`."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Replace the database without asking."),
    step_pages: int = StepOption,
    json: bool = JsonOption,
) -> None:
    """Replace the SQLite database with a backup. Stop the server first.

    Refused while another process (a server) has the database open.

    The backup is checked (integrity_check, a schema revision this version knows) first.

    The database it replaces is kept, with its WAL, as <name>.replaced-<time>.
    """
    target = _sqlite_path("restore")
    if target.exists() and not yes:
        _confirm(target)
    with _bar("restoring", json) as on_progress:
        try:
            restored = restore(file, target, step_pages=step_pages, progress=on_progress)
        except BackupError as exc:
            fail(str(exc))
        except OSError as exc:  # a file system's refusal: a directory, permissions, space
            fail(f"{exc.strerror}: {exc.filename2 or exc.filename}")
    _report_restore(restored, json)


def _sqlite_path(command: str) -> Path:
    url = settings().database_url
    if not url.startswith("sqlite"):
        tool = "pg_dump" if command == "backup" else "pg_restore"
        fail(_PG_HINT.format(command=command, tool=tool, example=_PG_EXAMPLES[command]), 2)
    path = make_url(url).database
    if not path or path == ":memory:":
        fail("an in-memory database has nothing to back up or restore", 2)
    return Path(path)


def _confirm(target: Path) -> None:
    if not sys.stdin.isatty():
        fail(f"{target} exists; pass --yes to replace it (the server must be stopped)")
    if not typer.confirm(f"Replace {target} (the server must be stopped)?", default=False):
        fail("nothing restored")


@contextmanager
def _bar(label: str, hidden: bool) -> Iterator[OnProgress]:
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True, disable=hidden) as bar:
        task = bar.add_task(label, total=None)

        def on_progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield on_progress


def _summary(copied: Copied) -> dict[str, object]:
    return {
        "file": str(copied.file),
        "bytes": copied.bytes,
        "pages": copied.pages,
        "seconds": round(copied.seconds, 3),
        "revision": copied.revision,
    }


def _report(verb: str, copied: Copied, json: bool) -> None:
    if json:
        emit_json(_summary(copied))
        return
    typer.echo(
        f"{verb} {copied.file}: {copied.pages} pages, {copied.bytes / 2**20:.1f} MiB "
        f"in {copied.seconds:.2f} s, schema revision {copied.revision}"
    )


def _report_restore(restored: Restored, json: bool) -> None:
    replaced = None if restored.replaced is None else str(restored.replaced)
    if json:
        emit_json(
            {
                **_summary(restored.copied),
                "head": restored.head,
                "replaced": replaced,
                "last_record_id": restored.last_record_id,
            }
        )
        return
    _report("restored", restored.copied, json)
    if replaced is not None:
        typer.echo(f"the database it replaced is kept as {replaced}")
    typer.echo(f"new lifecycle records are numbered after {restored.last_record_id}")
    if restored.copied.revision != restored.head:
        typer.echo("its schema is older than this version's: run `sessionary db upgrade`")
    typer.echo("start the server when ready")
