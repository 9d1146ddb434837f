"""S1-S5: timing sessions. A new session closes the device's active one (spec §6)."""

from __future__ import annotations

import secrets
from typing import Any

from litestar import Request, Response, get, patch, post

from ....domain.errors import SessionNotActive, SessionNotFound, SubjectNotFound
from ....domain.model import Principal
from ....domain.ports import SessionFilter
from ....domain.session import Session, Status
from ....services.registry import Services
from ....services.sessions import OpenRequest
from .common import actor, parse, tenant_of
from .errors import RufusError, bad_request
from .reply import reply
from .translate import BOUND, DEVICE, DIALECT, session_detail, session_summary
from .wire import SessionIn

AnyRequest = Request[Any, Any, Any]
MAX_LISTED = 5000


@post("/sessions", status_code=201)
async def insert_session(request: AnyRequest, c: Services, principal: Principal) -> Response[bytes]:
    body = await parse(request, SessionIn)
    if not body.deviceid:
        raise bad_request("deviceid is required")
    if not await is_bound_device(c, tenant_of(principal), body.deviceid.upper()):
        raise RufusError(404, "Device not found", deviceid=body.deviceid)
    req = OpenRequest(
        subject_kind=DEVICE,
        subject_id=body.deviceid.upper(),
        alias=body.alias,
        supersede=True,
        dialect=DIALECT,
        id=secrets.token_hex(32).upper(),
        create_subject=False,
    )
    try:
        session = await c.sessions.open(tenant_of(principal), req, actor(request, principal))
    except SubjectNotFound:
        raise RufusError(404, "Device not found", deviceid=body.deviceid) from None
    body_out = {"description": "Session inserted succesfully", "token_session": session.id}
    return reply(request, 201, body_out)


@patch("/sessions/close/{token:str}", status_code=200)
async def close_session(
    token: str, request: AnyRequest, c: Services, principal: Principal
) -> Response[bytes]:
    """Closing a closed session answers 200 again (idempotent, spec §6 S2)."""
    try:
        await c.sessions.close(
            tenant_of(principal), token.upper(), actor(request, principal), dialect=DIALECT
        )
    except SessionNotFound:
        raise RufusError(404, "Session not found", token_session=token) from None
    except SessionNotActive:
        pass
    return reply(
        request, 200, {"description": "Session closed succesfully", "token_session": token}
    )


async def is_bound_device(c: Services, tenant_pk: int, deviceid: str) -> bool:
    """Only devices bound through POST /devices (a "device" another API made is not one)."""
    try:
        device = await c.subjects.get(tenant_pk, DEVICE, deviceid)
    except SubjectNotFound:
        return False
    return device.attributes.get(BOUND) is not None


async def device_sessions(
    c: Services, principal: Principal, deviceid: str, status: Status | None, limit: int
) -> list[Session]:
    flt = SessionFilter(
        now=c.clock.now(),
        status=status,
        subject_kind=DEVICE,
        subject_id=deviceid.upper(),
        dialect=DIALECT,
    )
    page = await c.sessions.list(tenant_of(principal), flt, None, limit)
    return page.items  # newest first


@get("/sessions/device/{deviceid:str}")
async def sessions_of_device(
    deviceid: str, request: AnyRequest, c: Services, principal: Principal
) -> Response[bytes]:
    found = await device_sessions(c, principal, deviceid, None, MAX_LISTED)
    if not found:
        raise RufusError(404, "Sessions not found", deviceid=deviceid)
    now = c.clock.now()
    result = [session_summary(s, now) for s in reversed(found)]
    return reply(request, 200, {"description": "Success", "result": result})


@get("/sessions/device/{deviceid:str}/active")
async def active_session_of_device(
    deviceid: str, request: AnyRequest, c: Services, principal: Principal
) -> Response[bytes]:
    found = await device_sessions(c, principal, deviceid, Status.ACTIVE, 1)
    if not found:
        raise RufusError(404, "Sessions not found", deviceid=deviceid)
    return await _detail(request, c, found[0])


@get("/sessions/{token:str}")
async def get_session(
    token: str, request: AnyRequest, c: Services, principal: Principal
) -> Response[bytes]:
    try:
        session = await c.sessions.get(tenant_of(principal), token.upper(), dialect=DIALECT)
    except SessionNotFound:
        raise RufusError(404, "Session not found", token_session=token) from None
    return await _detail(request, c, session)


async def _detail(request: AnyRequest, c: Services, session: Session) -> Response[bytes]:
    bounds = await c.event_queries.time_bounds(session)
    result = [session_detail(session, bounds, c.clock.now())]
    return reply(request, 200, {"description": "Success", "result": result})


ROUTES: list[Any] = [
    insert_session,
    close_session,
    sessions_of_device,
    active_session_of_device,
    get_session,
]
