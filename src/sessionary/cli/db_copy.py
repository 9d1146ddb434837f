"""``sessionary db copy --to postgresql://...``: outgrowing SQLite (README, "Outgrowing SQLite")."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from ..storage.copying import (
    CopyMismatch,
    CopyOptions,
    CopyRefused,
    TableCopy,
    copy_database,
    prepare,
)
from .common import JsonOption, emit_json, emit_table, err_console, fail, settings

ToOption = typer.Option(
    ...,
    "--to",
    help="URL of the target: an empty PostgreSQL database (postgresql://user@host/db).",
)
MigrateOption = typer.Option(
    False, "--migrate", help="Migrate a target without any schema to this version first."
)
BatchOption = typer.Option(5000, "--batch-size", min=1, max=100_000, help="Rows per batch.")


def db_copy(
    to: str = ToOption,
    migrate: bool = MigrateOption,
    batch_size: int = BatchOption,
    json: bool = JsonOption,
) -> None:
    """Copy the SQLite database into an empty PostgreSQL database and verify it.

    The source is SESSIONARY_DATABASE_URL; the target must be at the same schema revision
    (or have none, with --migrate). Ids and stream positions are kept; row counts and
    checksums are compared at the end. Stop the server first. An interrupted copy goes on
    where it stopped when run again."""
    source = settings().database_url
    started = time.perf_counter()
    try:
        prepare(source, to, migrate=migrate)
        with _Bars(disabled=json) as progress:
            results = asyncio.run(copy_database(source, to, progress.options(batch_size)))
    except CopyRefused as exc:
        fail(str(exc))
    except CopyMismatch as exc:
        fail(f"verification failed: {exc}; recreate the target database and copy again")
    except Exception as exc:  # the driver's own: connection lost, disk full, ...
        fail(f"copy failed: {type(exc).__name__}: {exc}; run the same command to resume")
    _report(results, time.perf_counter() - started, json)


class _Bars:
    """A bar per table (rows copied of the source's), then one for the verification."""

    def __init__(self, disabled: bool) -> None:
        self._bar = Progress(
            TextColumn("{task.description:<20}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
            disable=disabled,
        )
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> _Bars:
        self._bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.__exit__(None, None, None)

    def options(self, batch_size: int) -> CopyOptions:
        return CopyOptions(batch_size=batch_size, on_rows=self._rows, on_verify=self._verify)

    def _rows(self, table: str, done: int, total: int) -> None:
        if table not in self._tasks:
            self._tasks[table] = self._bar.add_task(table, total=total)
        self._bar.update(self._tasks[table], completed=done, total=total)

    def _verify(self, table: str, done: int, total: int) -> None:
        """One bar for the verification, table after table."""
        if "verify" not in self._tasks:
            self._tasks["verify"] = self._bar.add_task("verifying", total=total)
        task, described = self._tasks["verify"], f"verify {table}"
        self._bar.update(task, description=described, completed=done, total=total)


def _row(result: TableCopy) -> dict[str, Any]:
    return {
        "table": result.name,
        "rows": result.rows,
        "copied": result.copied,
        "checksum": result.checksum,
        "seconds": round(result.seconds, 3),
        "rows_per_s": round(result.rate),
    }


def _report(results: list[TableCopy], seconds: float, json: bool) -> None:
    tables = [_row(r) for r in results]
    copied = sum(r.copied for r in results)
    if json:
        emit_json({"tables": tables, "copied": copied, "seconds": round(seconds, 3)})
        return
    columns = ["table", "rows", "copied", "seconds", "rows/s", "sha256"]
    cells = [
        [t["table"], t["rows"], t["copied"], t["seconds"], t["rows_per_s"], t["checksum"][:16]]
        for t in tables
    ]
    emit_table("copied and verified", columns, cells)
    typer.echo(
        f"{copied} rows copied in {seconds:.1f} s; counts and checksums match. "
        "Point SESSIONARY_DATABASE_URL at the target and start sessionary."
    )
