"""/v1 sessions, events and subject-wide close."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import delete, get, post
from litestar.params import Parameter

from ...domain.errors import InvalidInput
from ...domain.model import Actor, NewEvent, Principal
from ...domain.ports import SessionFilter
from ...domain.scopes import EVENTS_READ, EVENTS_WRITE, SESSIONS_READ, SESSIONS_WRITE
from ...domain.session import CloseReason, Status
from ...services.registry import Services
from ...services.sessions import OpenRequest
from ..bodies import declared_length
from ..deps import AnyRequest, tenant_of
from ..params import OptionalSeqQuery, SeqQuery
from ..timefmt import to_micros_in_range
from . import cursor
from .body import check_state_size, decode_body
from .present import event_out, session_out
from .structs import (
    AppendEventsIn,
    AppendOut,
    ClosedSessions,
    CloseIn,
    CloseSubjectIn,
    EventPageOut,
    ExtendIn,
    OpenSessionIn,
    SessionOut,
    SessionPage,
)

Limit = Annotated[int, Parameter(ge=1, le=500)]


def checked_micros(value: datetime) -> int:
    us = to_micros_in_range(value)
    if us is None:
        raise InvalidInput("times must fall within the years 1 to 9999 UTC")
    return us


@post(
    "/sessions",
    status_code=201,
    opt={"scope": SESSIONS_WRITE, "body": OpenSessionIn},
    tags=["sessions"],
)
async def open_session(
    request: AnyRequest, c: Services, principal: Principal, actor: Actor
) -> SessionOut:
    """Open a session for a subject; ``supersede`` closes its other live sessions in the scope."""
    body = await decode_body(request, OpenSessionIn)
    check_state_size(body.state)
    req = OpenRequest(
        subject_kind=body.subject.kind,
        subject_id=body.subject.id,
        scope=body.scope,
        alias=body.alias,
        idle_timeout_s=body.idle_timeout_s,
        max_lifetime_s=body.max_lifetime_s,
        metered=body.metered,
        state=body.state,
        supersede=body.supersede,
    )
    session = await c.sessions.open(tenant_of(principal), req, actor)
    return session_out(session, c.clock.now())


@get("/sessions/{session_id:str}", opt={"scope": SESSIONS_READ}, tags=["sessions"])
async def get_session(session_id: str, c: Services, principal: Principal) -> SessionOut:
    session = await c.sessions.get(tenant_of(principal), session_id)
    return session_out(session, c.clock.now())


@get("/sessions", opt={"scope": SESSIONS_READ}, tags=["sessions"])
async def list_sessions(
    c: Services,
    principal: Principal,
    status: Status | None = None,
    subject_kind: str | None = None,
    subject_id: str | None = None,
    session_scope: Annotated[str | None, Parameter(query="scope")] = None,
    opened_from: datetime | None = None,
    opened_to: datetime | None = None,
    page_cursor: Annotated[str | None, Parameter(query="cursor")] = None,
    limit: Limit = 50,
) -> SessionPage:
    """Newest first. Pass ``next_cursor`` back as ``cursor`` for the next page."""
    now = c.clock.now()
    flt = SessionFilter(
        now=now,
        status=status,
        subject_kind=subject_kind,
        subject_id=subject_id,
        scope=session_scope,
        opened_from=None if opened_from is None else checked_micros(opened_from),
        opened_to=None if opened_to is None else checked_micros(opened_to),
    )
    after = cursor.decode("s", page_cursor)
    page = await c.sessions.list(
        tenant_of(principal), flt, None if after is None else str(after), limit
    )
    nxt = None if page.next_cursor is None else cursor.encode("s", page.next_cursor)
    return SessionPage(items=[session_out(s, now) for s in page.items], next_cursor=nxt)


@post(
    "/sessions/{session_id:str}/extend",
    status_code=200,
    opt={"scope": SESSIONS_WRITE, "body": ExtendIn, "body_optional": True},
    tags=["sessions"],
)
async def extend_session(
    session_id: str, request: AnyRequest, c: Services, principal: Principal, actor: Actor
) -> SessionOut:
    """Set expiry to now + ``ttl_s`` (default: the idle timeout), capped by the max lifetime."""
    body = await decode_body(request, ExtendIn, optional=True)
    session = await c.sessions.extend(tenant_of(principal), session_id, body.ttl_s, actor)
    return session_out(session, c.clock.now())


@post(
    "/sessions/{session_id:str}/close",
    status_code=200,
    opt={"scope": SESSIONS_WRITE, "body": CloseIn, "body_optional": True},
    tags=["sessions"],
)
async def close_session(
    session_id: str, request: AnyRequest, c: Services, principal: Principal, actor: Actor
) -> SessionOut:
    """Close once; closing again answers 409 ``session-not-active``."""
    body = await decode_body(request, CloseIn, optional=True)
    reason = CloseReason(body.reason)
    session = await c.sessions.close(tenant_of(principal), session_id, actor, reason)
    return session_out(session, c.clock.now())


@delete(
    "/sessions/{session_id:str}",
    status_code=200,
    opt={"scope": SESSIONS_WRITE},
    tags=["sessions"],
)
async def delete_session(
    session_id: str, c: Services, principal: Principal, actor: Actor
) -> SessionOut:
    """Delete stops the meter, drops the events; the session then answers 404."""
    session = await c.sessions.delete(tenant_of(principal), session_id, actor)
    return session_out(session, c.clock.now())


@post(
    "/subjects/{kind:str}/{subject_id:str}/sessions/close",
    status_code=200,
    opt={"scope": SESSIONS_WRITE, "body": CloseSubjectIn, "body_optional": True},
    tags=["sessions"],
)
async def close_subject_sessions(
    kind: str,
    subject_id: str,
    request: AnyRequest,
    c: Services,
    principal: Principal,
    actor: Actor,
) -> ClosedSessions:
    """Close every live session of the subject, in one scope or (no scope) in all."""
    body = await decode_body(request, CloseSubjectIn, optional=True)
    closed = await c.sessions.close_for_subject(
        tenant_of(principal), kind, subject_id, body.scope, actor
    )
    now = c.clock.now()
    return ClosedSessions(closed=[session_out(s, now) for s in closed])


@post(
    "/sessions/{session_id:str}/events",
    status_code=201,
    opt={"scope": EVENTS_WRITE, "body": AppendEventsIn},
    tags=["events"],
)
async def append_events(
    session_id: str, request: AnyRequest, c: Services, principal: Principal
) -> AppendOut:
    """Append up to 5,000 events atomically; repeated dedupe keys come back as duplicates."""
    async with c.bulk.slot(declared_length(request)):
        return await _append(session_id, request, c, principal)


async def _append(
    session_id: str, request: AnyRequest, c: Services, principal: Principal
) -> AppendOut:
    body = await decode_body(request, AppendEventsIn)
    batch = [
        NewEvent(
            type=ev.type,
            payload=ev.payload,
            dedupe_key=ev.dedupe_key,
            occurred_at=None if ev.occurred_at is None else checked_micros(ev.occurred_at),
        )
        for ev in body.events
    ]
    result = await c.events.append(tenant_of(principal), session_id, batch)
    return AppendOut(result.accepted, result.duplicates, result.first_seq, result.last_seq)


@get("/sessions/{session_id:str}/events", opt={"scope": EVENTS_READ}, tags=["events"])
async def read_events(
    session_id: str,
    c: Services,
    principal: Principal,
    from_seq: SeqQuery = 1,
    to_seq: OptionalSeqQuery = None,
    page_cursor: Annotated[str | None, Parameter(query="cursor")] = None,
    limit: Annotated[int, Parameter(ge=1, le=5000)] = 500,
) -> EventPageOut:
    """Events in sequence order, ``from_seq``..``to_seq`` inclusive, paged by cursor."""
    after = cursor.decode("e", page_cursor)
    after_seq = max(from_seq - 1, after or 0)
    page = await c.events.read(tenant_of(principal), session_id, after_seq, to_seq, limit)
    nxt = None if page.next_cursor is None else cursor.encode("e", page.next_cursor)
    return EventPageOut(items=[event_out(e) for e in page.items], next_cursor=nxt)


ROUTES: list[Any] = [
    open_session,
    get_session,
    list_sessions,
    extend_session,
    close_session,
    delete_session,
    close_subject_sessions,
    append_events,
    read_events,
]
