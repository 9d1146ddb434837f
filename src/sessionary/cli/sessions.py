"""``sessionary sessions`` and ``sessionary usage``."""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

import msgspec
import typer

from ..bootstrap import Container
from ..domain.ports import SessionFilter
from ..domain.session import CloseReason, Session, Status
from ..http.native.present import usage_out
from ..http.native.usage import (
    cloudevents_stream,
    csv_stream,
    json_array,
    record_json,
    usage_csv,
)
from ..services.sessions import Page
from ..services.usage import UsageReport, check_range
from . import remote
from .common import CLI_ACTOR, JsonOption, emit_json, emit_table, run
from .present import session_json, session_row

sessions_app = typer.Typer(help="Inspect and steer sessions.", no_args_is_help=True)
usage_app = typer.Typer(help="Usage (billed minutes) reports.", no_args_is_help=True)
_COLUMNS = ["id", "status", "subject", "scope", "opened", "billed min"]
TenantOption = typer.Option(..., help="Tenant name or id.")
SessionTenantOption = typer.Option(None, help="Tenant name or id (not with --server).")


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    cloudevents = "cloudevents"


@sessions_app.command("list")
def sessions_list(
    ctx: typer.Context,
    tenant: str | None = SessionTenantOption,
    status: Status = typer.Option(None, help="Only sessions with this status."),
    subject_kind: str = typer.Option(None),
    subject_id: str = typer.Option(None),
    limit: int = typer.Option(50, min=1, max=500),
    json: bool = JsonOption,
) -> None:
    """List a tenant's sessions, newest first."""
    if server := remote.target(ctx, tenant):
        filters = {"status": status, "subject_kind": subject_kind, "subject_id": subject_id}
        remote.list_sessions(server, _COLUMNS, json, limit=limit, **filters)
        return

    async def work(c: Container) -> tuple[Page, int]:
        now = c.clock.now()
        t = await c.tenants.find(str(tenant))
        flt = SessionFilter(
            now=now, status=status, subject_kind=subject_kind, subject_id=subject_id
        )
        return await c.sessions.list(t.pk, flt, None, limit), now

    page, now = run(work)
    if json:
        emit_json([session_json(s, now) for s in page.items])
    else:
        emit_table(f"sessions of {tenant}", _COLUMNS, [session_row(s, now) for s in page.items])


def _one(tenant: str, action: str, session_id: str) -> tuple[Session, int]:
    async def work(c: Container) -> tuple[Session, int]:
        t = await c.tenants.find(tenant)
        if action == "close":
            s = await c.sessions.close(t.pk, session_id, CLI_ACTOR, CloseReason.ADMIN)
        elif action == "delete":
            s = await c.sessions.delete(t.pk, session_id, CLI_ACTOR)
        else:
            s = await c.sessions.get(t.pk, session_id)
        return s, c.clock.now()

    return run(work)


def _print_one(session: Session, now: int, json: bool) -> None:
    if json:
        emit_json(session_json(session, now))
    else:
        emit_table(session.id, _COLUMNS, [session_row(session, now)])


def _route(ctx: typer.Context, tenant: str | None, action: str, sid: str, json: bool) -> None:
    if server := remote.target(ctx, tenant):
        remote.one_session(server, action, sid, _COLUMNS, json)
    else:
        _print_one(*_one(str(tenant), action, sid), json)


@sessions_app.command("show")
def sessions_show(
    ctx: typer.Context,
    session_id: str,
    tenant: str | None = SessionTenantOption,
    json: bool = JsonOption,
) -> None:
    """Show one session."""
    _route(ctx, tenant, "show", session_id, json)


@sessions_app.command("close")
def sessions_close(
    ctx: typer.Context,
    session_id: str,
    tenant: str | None = SessionTenantOption,
    json: bool = JsonOption,
) -> None:
    """Close a session (close reason ``admin``)."""
    _route(ctx, tenant, "close", session_id, json)


@sessions_app.command("delete")
def sessions_delete(
    ctx: typer.Context,
    session_id: str,
    tenant: str | None = SessionTenantOption,
    json: bool = JsonOption,
) -> None:
    """Delete a session and its events; its billed minutes stay in usage."""
    _route(ctx, tenant, "delete", session_id, json)


@usage_app.command("report")
def usage_report(
    tenant: str = TenantOption,
    date_from: datetime = typer.Option(None, "--from", formats=["%Y-%m-%d"]),
    date_to: datetime = typer.Option(None, "--to", formats=["%Y-%m-%d"]),
    subject_kind: str = typer.Option(None),
    format: Format = typer.Option(Format.table, "--format"),
    records: bool = typer.Option(
        False, "--records", help="One row per ended session instead of per day."
    ),
    json: bool = JsonOption,
) -> None:
    """Billed minutes per UTC day; a session counts on the day it ended.

    ``--records`` lists each session that ended in the range; ``--format cloudevents`` prints
    those records as a JSON array of CloudEvents (streamed, like ``--records`` csv/json)."""
    day_to: date = date_to.date() if date_to else datetime.now(UTC).date()
    day_from: date = date_from.date() if date_from else day_to - timedelta(days=29)
    fmt = Format.json if json and format is not Format.cloudevents else format
    if records or fmt is Format.cloudevents:
        run(_usage_records(tenant, (day_from, day_to), subject_kind, fmt))
        return

    async def work(c: Container) -> tuple[str, UsageReport]:
        t = await c.tenants.find(tenant)
        return t.name, await c.usage.report(t.pk, day_from, day_to, subject_kind)

    name, report = run(work)
    out = usage_out(name, report, subject_kind)
    if fmt is Format.json:
        emit_json(msgspec.to_builtins(out))
    elif fmt is Format.csv:
        typer.echo(usage_csv(out), nl=False)
    else:
        rows = [(d.date, d.opened, d.ended, d.billed_minutes) for d in [*out.days, out.totals]]
        emit_table(f"usage of {name}", ["date", "opened", "ended", "billed minutes"], rows)


def _usage_records(
    tenant: str, days: tuple[date, date], subject_kind: str | None, fmt: Format
) -> Callable[[Container], Awaitable[None]]:
    """Records are written as they are read, a page at a time (table output collects them)."""

    async def work(c: Container) -> None:
        t = await c.tenants.find(tenant)
        check_range(*days)
        records = c.usage.all_records(t.pk, days[0], days[1], subject_kind)
        if fmt is Format.table:
            rows = []
            async for record in records:
                row = record_json(record)
                rows.append([row[k] for k in _RECORD_COLUMNS])
            emit_table(f"usage records of {t.name}", _RECORD_COLUMNS, rows)
            return
        if fmt is Format.csv:
            chunks = csv_stream(records)
        elif fmt is Format.cloudevents:
            chunks = cloudevents_stream(t.name, records)
        else:
            chunks = json_array(record_json(r) async for r in records)
        async for chunk in chunks:
            sys.stdout.write(chunk.decode())

    return work


_RECORD_COLUMNS = [
    "session_id",
    "subject_kind",
    "subject_id",
    "ended_at",
    "active_seconds",
    "billed_minutes",
]
