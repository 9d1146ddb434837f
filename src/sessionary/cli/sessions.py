"""``sessionary sessions`` and ``sessionary usage``."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

import msgspec
import typer

from ..bootstrap import Container
from ..domain.ports import SessionFilter
from ..domain.session import CloseReason, Session, Status
from ..http.native.present import usage_out
from ..http.native.usage import usage_csv
from ..services.sessions import Page
from ..services.usage import UsageReport
from .common import CLI_ACTOR, JsonOption, emit_json, emit_table, run
from .present import session_json, session_row

sessions_app = typer.Typer(help="Inspect and steer sessions.", no_args_is_help=True)
usage_app = typer.Typer(help="Usage (billed minutes) reports.", no_args_is_help=True)
_COLUMNS = ["id", "status", "subject", "scope", "opened", "billed min"]
TenantOption = typer.Option(..., help="Tenant name or id.")


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


@sessions_app.command("list")
def sessions_list(
    tenant: str = TenantOption,
    status: Status = typer.Option(None, help="Only sessions with this status."),
    subject_kind: str = typer.Option(None),
    subject_id: str = typer.Option(None),
    limit: int = typer.Option(50, min=1, max=500),
    json: bool = JsonOption,
) -> None:
    """List a tenant's sessions, newest first."""

    async def work(c: Container) -> tuple[Page, int]:
        now = c.clock.now()
        t = await c.tenants.find(tenant)
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


@sessions_app.command("show")
def sessions_show(session_id: str, tenant: str = TenantOption, json: bool = JsonOption) -> None:
    """Show one session."""
    _print_one(*_one(tenant, "show", session_id), json)


@sessions_app.command("close")
def sessions_close(session_id: str, tenant: str = TenantOption, json: bool = JsonOption) -> None:
    """Close a session (close reason ``admin``)."""
    _print_one(*_one(tenant, "close", session_id), json)


@sessions_app.command("delete")
def sessions_delete(session_id: str, tenant: str = TenantOption, json: bool = JsonOption) -> None:
    """Delete a session and its events; its billed minutes stay in usage."""
    _print_one(*_one(tenant, "delete", session_id), json)


@usage_app.command("report")
def usage_report(
    tenant: str = TenantOption,
    date_from: datetime = typer.Option(None, "--from", formats=["%Y-%m-%d"]),
    date_to: datetime = typer.Option(None, "--to", formats=["%Y-%m-%d"]),
    subject_kind: str = typer.Option(None),
    format: Format = typer.Option(Format.table, "--format"),
    json: bool = JsonOption,
) -> None:
    """Billed minutes per UTC day; a session counts on the day it ended."""
    day_to: date = date_to.date() if date_to else datetime.now(UTC).date()
    day_from: date = date_from.date() if date_from else day_to - timedelta(days=29)

    async def work(c: Container) -> tuple[str, UsageReport]:
        t = await c.tenants.find(tenant)
        return t.name, await c.usage.report(t.pk, day_from, day_to, subject_kind)

    name, report = run(work)
    out = usage_out(name, report, subject_kind)
    if json or format is Format.json:
        emit_json(msgspec.to_builtins(out))
    elif format is Format.csv:
        typer.echo(usage_csv(out), nl=False)
    else:
        rows = [(d.date, d.opened, d.ended, d.billed_minutes) for d in [*out.days, out.totals]]
        emit_table(f"usage of {name}", ["date", "opened", "ended", "billed minutes"], rows)
