"""``sessionary secrets reseal``: re-encrypt every sealed value under the newest of the keys in
``SESSIONARY_SECRET_KEY`` (README "Rotating the sealing key")."""

from __future__ import annotations

from dataclasses import asdict
from functools import partial

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from ..bootstrap import Container
from ..services.resealing import PlaceReport, Resealer
from .common import JsonOption, emit_json, emit_table, err_console, run

secrets_app = typer.Typer(help="The sealing key (SESSIONARY_SECRET_KEY).", no_args_is_help=True)


@secrets_app.command("reseal")
def reseal(
    batch: int = typer.Option(500, "--batch", min=1, max=10_000, help="Rows per transaction."),
    json: bool = JsonOption,
) -> None:
    """Re-encrypt every sealed value (webhook and casino partner secrets, stored idempotent
    responses) under the first key of SESSIONARY_SECRET_KEY. Safe while serving and to repeat;
    values that open with none of the keys are counted, kept, and make it exit with 1."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=err_console, disable=json) as bar:

        async def work(c: Container) -> list[PlaceReport]:
            resealer = Resealer(c.database.unit_of_work, c.sealer, batch)
            reports = await resealer.survey()
            for report in reports:
                task = bar.add_task(report.place, total=report.total)
                await resealer.reseal(report, partial(bar.advance, task))
            return reports

        reports = run(work)
    _print(reports, json)
    unopenable = sum(r.unopenable for r in reports)
    if unopenable:
        err_console.print(
            f"[red]error:[/red] {unopenable} sealed values open with none of the keys in"
            " SESSIONARY_SECRET_KEY; they were left as they are"
        )
        raise typer.Exit(1)


def _print(reports: list[PlaceReport], json: bool) -> None:
    if json:
        emit_json({"places": [asdict(r) for r in reports]})
        return
    rows = [
        (r.place, r.scanned, r.resealed, r.already_current, r.unopenable, r.changed_meanwhile)
        for r in reports
    ]
    head = ["place", "scanned", "resealed", "already current", "unopenable", "changed meanwhile"]
    emit_table("reseal", head, rows)
    resealed = sum(r.resealed for r in reports)
    typer.echo(f"{resealed} values resealed" if resealed else "nothing to reseal: all current")
