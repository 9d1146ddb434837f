"""POST /token, OpenDedicatedSession and CloseDedicatedSession (spec §2, §4, §5).

Order of checks: token, then body parsing, then ApplicationKey, application, rights, then
the session. Every failure is a 200 envelope; nothing changes on a failure."""

from __future__ import annotations

import re
import uuid
from typing import Any

import msgspec
from litestar import Request, Response, post

from ....dialects.pagos.clients import APPLICATION, CLIENT
from ....domain.errors import (
    InvalidInput,
    LimitExceeded,
    SessionNotActive,
    SessionNotFound,
    SubjectNotFound,
)
from ....domain.model import Actor, Principal, Subject
from ....services.registry import Services
from ....services.sessions import OpenRequest
from ...deps import actor_of, throttle
from . import envelope as env
from .envelope import Refusal
from .tokens import token_client

DIALECT = "pagos"
AnyRequest = Request[Any, Any, Any]


def bearer(request: AnyRequest) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


async def caller(request: AnyRequest, c: Services) -> Principal:
    client = await token_client(c, bearer(request))
    if client is None:
        raise Refusal(env.RESTRICTED, invalid_token=True)
    # One bucket per client, however many tokens it holds.
    refused = await throttle(c, client, key=(CLIENT, client_id(client)))
    if refused is not None:
        raise env.rate_limited(refused.retry_after)
    return client


async def fields(request: AnyRequest) -> dict[str, Any]:
    """Request keys are matched case-insensitively, as ASP.NET model binding does."""
    try:
        body = msgspec.json.decode(await request.body())
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        raise Refusal(env.UNPARSABLE) from None
    if not isinstance(body, dict):
        raise Refusal(env.UNPARSABLE)
    return {str(k).lower(): v for k, v in body.items()}


async def application(c: Services, client: Principal, body: dict[str, Any]) -> Subject:
    key = body.get("applicationkey")
    if not isinstance(key, str) or not key:
        raise Refusal(env.APP_REQUIRED)
    assert client.tenant_pk is not None
    try:
        app = await c.subjects.get(client.tenant_pk, APPLICATION, key.lower())
    except (SubjectNotFound, InvalidInput):  # InvalidInput: a key no application has (U+0000)
        raise Refusal(env.APP_INVALID) from None
    if client_id(client) not in app.attributes.get("clients", []):
        raise Refusal(env.RESTRICTED, invalid_token=True)  # "failure due to token" (spec §4)
    return app


def client_id(client: Principal) -> str:
    return str(dict(client.attributes).get("client_id"))


def actor(request: AnyRequest, client: Principal) -> Actor:
    return actor_of(request, client, DIALECT)


@post("/Api/Applications/OpenDedicatedSession", status_code=200)
async def open_dedicated_session(request: AnyRequest, c: Services) -> Response[bytes]:
    try:
        client = await caller(request, c)
        app = await application(c, client, await fields(request))
        assert client.tenant_pk is not None
        req = OpenRequest(
            subject_kind=APPLICATION,
            subject_id=app.external_id,
            fallback_idle_timeout_s=c.settings.pagos_idle_timeout_s,
            dialect=DIALECT,
            owner=client_id(client),
            id=str(uuid.uuid4()),
            create_subject=False,
            max_live_per_owner=c.settings.pagos_max_sessions_per_client,
        )
        session = await c.sessions.open(client.tenant_pk, req, actor(request, client))
    except Refusal as refusal:
        return env.failed(refusal, with_session_id=True)
    except LimitExceeded:
        return env.failed(Refusal(env.TOO_MANY), with_session_id=True)
    return env.opened(session.id)


_GUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


def session_id(body: dict[str, Any]) -> str:
    """A GUID in format "D" (hyphenated, no braces), lower-cased; anything else is ""."""
    value = body.get("sessionid")
    return value.lower() if isinstance(value, str) and _GUID.match(value) else ""


@post("/Api/Applications/CloseDedicatedSession", status_code=200)
async def close_dedicated_session(request: AnyRequest, c: Services) -> Response[bytes]:
    """Not idempotent: a second close fails (spec §5 rule 4)."""
    try:
        client = await caller(request, c)
        body = await fields(request)
        app = await application(c, client, body)
        sid = session_id(body)
        if not sid:
            raise Refusal(env.SESSION_ID_REQUIRED)
        await _close(request, c, client, app, sid)
    except Refusal as refusal:
        return env.failed(refusal, with_session_id=False)
    return env.closed()


async def _close(
    request: AnyRequest, c: Services, client: Principal, app: Subject, sid: str
) -> None:
    """Only the client and application that opened a session may close it: another's is,
    to this caller, no session at all (the close's own guard, in one step)."""
    assert client.tenant_pk is not None
    try:
        await c.sessions.close(
            client.tenant_pk,
            sid,
            actor(request, client),
            dialect=DIALECT,
            owner=client_id(client),
            subject_id=app.external_id,
        )
    except (SessionNotFound, SessionNotActive):
        raise Refusal(env.SESSION_GONE) from None


ROUTES: list[Any] = [open_dedicated_session, close_dedicated_session]
