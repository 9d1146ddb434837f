"""Sessions: a filterable, keyset-paged table; a session's page with its timeline; close and
delete through the same SessionService as the APIs (audited as "console")."""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from urllib.parse import urlencode

from litestar import Response, get, post

from ..domain.errors import InvalidInput
from ..domain.model import Tenant
from ..domain.read_models import SessionQuery
from ..domain.session import CloseReason, Status
from ..http.params import PositionQuery
from ..http.request_id import request_id
from .context import Console
from .queries import day_start
from .render import PREFIX, AnyRequest, page, see_other
from .signin import Operator

PAGE = 50
TIMELINE_PAGE = 50
DIALECTS = ("native", "rufus", "hivemp", "pagos", "casino", "console")
FILTERS = ("tenant", "status", "subject_kind", "subject", "scope", "dialect", "from", "to")
NOTICES = {"closed": "The session was closed.", "deleted": "The session was deleted."}
DAY_US = 86_400 * 1_000_000
Cursor = PositionQuery  # pks and sequence numbers: int64 at most, or a 400


def _day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{name} must be a date like 2025-01-31", field=name) from None


def _tenant(tenants: list[Tenant], name: str) -> Tenant:
    found = next((t for t in tenants if t.name == name), None)
    if found is None:
        raise InvalidInput(f"no tenant named {name}", field="tenant")
    return found


def build_query(
    filters: dict[str, str], tenants: list[Tenant], now: int, before: int | None
) -> SessionQuery:
    status = filters.get("status") or None
    if status is not None and status not in {s.value for s in Status if s is not Status.DELETED}:
        raise InvalidInput("status must be active, closed or expired", field="status")
    tenant = _tenant(tenants, filters["tenant"]) if filters.get("tenant") else None
    opened_from = filters.get("from")
    opened_to = filters.get("to")
    return SessionQuery(
        now=now,
        tenant_pk=tenant.pk if tenant else None,
        status=Status(status) if status else None,
        subject_kind=filters.get("subject_kind") or None,
        subject_id=filters.get("subject") or None,
        scope=filters.get("scope") or None,
        dialect=filters.get("dialect") or None,
        opened_from=day_start(_day(opened_from, "from")) if opened_from else None,
        # the day's end in microseconds: date.max + 1 day would overflow the date type
        opened_to=day_start(_day(opened_to, "to")) + DAY_US if opened_to else None,
        before_pk=before,
    )


@get("/sessions", name="console:sessions")
async def list_sessions(
    request: AnyRequest,
    console: Console,
    operator: Operator,
    before: Cursor = None,
    notice: str | None = None,
) -> Response[str]:
    filters = {k: request.query_params.get(k, "").strip() for k in FILTERS}
    tenants = await console.c.tenants.list()
    query = build_query(filters, tenants, console.c.clock.now(), before)
    result = await console.reads.sessions(query, PAGE)
    active = {k: v for k, v in filters.items() if v}
    next_url = None
    if result.next_cursor is not None:
        next_url = f"{PREFIX}/sessions?" + urlencode({**active, "before": result.next_cursor})
    return page(
        request,
        "sessions.html",
        title="Sessions",
        operator=operator,
        rows=result.items,
        filters=filters,
        filtered=bool(active),
        tenants=tenants,
        statuses=["active", "closed", "expired"],
        dialects=DIALECTS,
        next_url=next_url,
        first_url=(f"{PREFIX}/sessions?" + urlencode(active)) if before is not None else None,
        notice=NOTICES.get(notice or ""),
    )


@get("/sessions/{tenant:str}/{session_id:str}", name="console:session")
async def show_session(
    request: AnyRequest,
    console: Console,
    operator: Operator,
    tenant: str,
    session_id: str,
    lifecycle_after: Cursor = None,
    events_after: Cursor = None,
    work_after: Cursor = None,
    notice: str | None = None,
) -> Response[str]:
    found = await console.c.tenants.find(tenant)
    session = await console.c.sessions.get(found.pk, session_id)
    now = console.c.clock.now()
    key = (found.pk, session.subject_pk, session.pk)
    cursors = {"lifecycle": lifecycle_after, "event": events_after, "work": work_after}
    timeline = {
        kind: await console.reads.timeline(key, kind, after or 0, TIMELINE_PAGE)
        for kind, after in cursors.items()
    }
    base = f"{PREFIX}/sessions/{found.name}/{session.id}"
    params = {"lifecycle": "lifecycle_after", "event": "events_after", "work": "work_after"}
    more = {
        kind: f"{base}?{urlencode({params[kind]: part.next_cursor})}"
        for kind, part in timeline.items()
        if part.next_cursor is not None
    }
    return page(
        request,
        "session.html",
        title=f"Session {session.id}",
        operator=operator,
        tenant=found,
        s=session,
        session_status=session.effective_status(now).value,
        reason=session.effective_close_reason(now),
        ended_at=session.ended_at(now),
        billed=session.billed_minutes(now),
        live=session.is_live(now),
        state=json.dumps(session.state, indent=2, sort_keys=True, default=str),
        timeline=timeline,
        more=more,
        paged=any(c is not None for c in cursors.values()),
        base=base,
        notice=NOTICES.get(notice or ""),
    )


@post("/sessions/{tenant:str}/{session_id:str}/close", status_code=303)
async def close_session(
    request: AnyRequest, console: Console, operator: Operator, tenant: str, session_id: str
) -> Response[Any]:
    found = await console.c.tenants.find(tenant)
    actor = operator.actor(request_id(request))
    await console.c.sessions.close(found.pk, session_id, actor, reason=CloseReason.ADMIN)
    return see_other(f"{PREFIX}/sessions/{found.name}/{session_id}?notice=closed")


@post("/sessions/{tenant:str}/{session_id:str}/delete", status_code=303)
async def delete_session(
    request: AnyRequest, console: Console, operator: Operator, tenant: str, session_id: str
) -> Response[Any]:
    found = await console.c.tenants.find(tenant)
    await console.c.sessions.delete(found.pk, session_id, operator.actor(request_id(request)))
    return see_other(f"{PREFIX}/sessions?" + urlencode({"tenant": found.name, "notice": "deleted"}))


ROUTES: list[Any] = [list_sessions, show_session, close_session, delete_session]
