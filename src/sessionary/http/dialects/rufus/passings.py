"""P1-P4: insert passings into the active session and read them back (spec §7)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.params import Parameter

from ....domain.errors import SessionNotActive, SessionNotFound, SubjectNotFound
from ....domain.model import Principal
from ....services.registry import Services
from ...bodies import declared_length
from ...params import OrdinalQuery
from .common import page_offset, parse, tenant_of, time_param
from .errors import RufusError, bad_request
from .reply import reply
from .sessions import device_sessions
from .translate import DEVICE, DIALECT, passing_event, passing_out
from .wire import PassingsIn

AnyRequest = Request[Any, Any, Any]
Page = Annotated[int, Parameter(ge=1, le=2**31)]
Ordinal = OrdinalQuery
MAX_BATCH = 5000


@post("/passings", status_code=201)
async def insert_passings(
    request: AnyRequest, c: Services, principal: Principal
) -> Response[bytes]:
    """Atomic batches of up to 5,000; a repeated num_passing counts in duplicate_count."""
    async with c.bulk.slot(declared_length(request)):
        return await _insert(request, c, principal)


async def _insert(request: AnyRequest, c: Services, principal: Principal) -> Response[bytes]:
    body = await parse(request, PassingsIn)
    if not body.token_session or not body.passings_list:
        raise bad_request("token_session and a non-empty passings_list are required")
    if len(body.passings_list) > MAX_BATCH:
        raise bad_request(f"at most {MAX_BATCH} passings per request")
    batch = [passing_event(p) for p in body.passings_list]
    token = body.token_session
    try:
        result = await c.events.append(tenant_of(principal), token.upper(), batch, DIALECT)
    except (SessionNotFound, SessionNotActive):
        raise RufusError(404, "Session not found or closed", token_session=token) from None
    out = {
        "description": "Passings inserted succesfully",
        "token_session": token,
        "inserted_count": result.accepted,
        "duplicate_count": len(result.duplicates),
    }
    return reply(request, 201, out)


@get("/passings/session/{token:str}")
async def passings_of_session(
    token: str,
    request: AnyRequest,
    c: Services,
    principal: Principal,
    first: Ordinal = None,
    last: Ordinal = None,
    page: Page = 1,
) -> Response[bytes]:
    """``first``..``last`` by num_passing, both inclusive, 5,000 per page."""
    try:
        session, events = await c.event_queries.by_ordinal(
            tenant_of(principal),
            token.upper(),
            (first, last),
            (None, None),
            page_offset(page),
            DIALECT,
        )
    except SessionNotFound:
        raise RufusError(404, "Session not found", token_session=token) from None
    result = [passing_out(session.id, session.subject_id, e) for e in events]
    return reply(request, 200, {"description": "Success", "result": result})


@get("/passings/device/{deviceid:str}")
async def passings_of_device(
    deviceid: str,
    request: AnyRequest,
    c: Services,
    principal: Principal,
    time_from: Annotated[str | None, Parameter(query="from")] = None,
    time_to: Annotated[str | None, Parameter(query="to")] = None,
    page: Page = 1,
) -> Response[bytes]:
    """Across all the device's sessions, by timestamp then num_passing; bounds inclusive."""
    window = (time_param(time_from, "from"), time_param(time_to, "to"))
    offset, limit = page_offset(page)
    try:
        rows = await c.event_queries.for_subject(
            tenant_of(principal), DEVICE, deviceid.upper(), window, offset, limit
        )
    except SubjectNotFound:
        raise RufusError(404, "Device not found", deviceid=deviceid) from None
    device = deviceid.upper()
    result = [passing_out(token, device, e) for token, e in rows]
    return reply(request, 200, {"description": "Success", "result": result})


@get("/passings/device2/{deviceid:str}")
async def poll_passings_of_device(
    deviceid: str,
    request: AnyRequest,
    c: Services,
    principal: Principal,
    time_from: Annotated[str | None, Parameter(query="from")] = None,
    time_to: Annotated[str | None, Parameter(query="to")] = None,
    token_session: str | None = None,
    last: Ordinal = None,
    page: Page = 1,
) -> Response[bytes]:
    """Resume after ``last`` in ``token_session``; if the device has a newer session, jump to it
    and start from its beginning (``resumed_from`` is then 0)."""
    window = (time_param(time_from, "from"), time_param(time_to, "to"))
    newest = await device_sessions(c, principal, deviceid, None, 1)
    if not newest:
        await _require_device(c, principal, deviceid)
        raise RufusError(404, "Sessions not found", deviceid=deviceid)
    session = newest[0]
    same = token_session is not None and token_session.upper() == session.id
    after = last if (same or token_session is None) else None  # a newer session starts over
    first = None if after is None else after + 1
    _, events = await c.event_queries.by_ordinal(
        tenant_of(principal), session.id, (first, None), window, page_offset(page), DIALECT
    )
    resumed_from = after or 0
    return reply(
        request,
        200,
        {
            "description": "Success",
            "deviceid": session.subject_id,
            "session_used": session.id,
            "session_label": session.alias,
            "resumed_from": resumed_from,
            "passings": [passing_out(session.id, session.subject_id, e) for e in events],
        },
    )


async def _require_device(c: Services, principal: Principal, deviceid: str) -> None:
    try:
        await c.subjects.get(tenant_of(principal), DEVICE, deviceid.upper())
    except SubjectNotFound:
        raise RufusError(404, "Device not found", deviceid=deviceid) from None


ROUTES: list[Any] = [
    insert_passings,
    passings_of_session,
    passings_of_device,
    poll_passings_of_device,
]
