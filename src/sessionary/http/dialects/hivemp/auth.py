"""HiveMP API keys: ``X-API-Key`` (preferred) or ``api_key``; types public, admin, session.

A session key works only while its session is live. That is checked against the database
on every call, never from a cache, so a deleted or expired session's key is refused at once
on every node."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request

from ....dialects.hivemp.keys import KIND
from ....domain.errors import Unauthenticated
from ....domain.model import Principal
from ....domain.session import Session
from ....services.registry import Services
from ...deps import throttle
from .errors import HiveError


@dataclass(slots=True, frozen=True)
class Caller:
    principal: Principal
    key_type: str
    project_id: str
    own_session: Session | None

    @property
    def tenant_pk(self) -> int:
        assert self.principal.tenant_pk is not None
        return self.principal.tenant_pk


def presented_key(request: Request[Any, Any, Any]) -> str | None:
    for header in ("x-api-key", "api_key"):
        value = request.headers.get(header, "").strip()
        if value:
            return value
    return None


def _unauthorized(info: str, **data: Any) -> HiveError:
    return HiveError(
        401, 1001, "a valid API key is required", None, unauthorizedAdditionalInfo=info, **data
    )


async def provide_caller(request: Request[Any, Any, Any]) -> Caller:
    c: Services = request.app.state.container
    key = presented_key(request)
    if key is None:
        raise _unauthorized("send the key in the X-API-Key header")
    try:
        principal = await c.auth.authenticate(key)
    except Unauthenticated:
        raise await _refused(c, key) from None
    if principal.kind != KIND or principal.tenant_pk is None:
        raise _unauthorized("the API key is not valid")
    refused = await throttle(c, principal)
    if refused is not None:
        raise HiveError(429, 6002, "rate limited", None, retryAfterSeconds=refused.retry_after)
    attrs = dict(principal.attributes)
    session = await _own_session(c, principal)
    return Caller(principal, str(attrs.get("type")), str(attrs.get("project")), session)


async def _refused(c: Services, key: str) -> HiveError:
    """The same answer on every node: a dead HiveMP session's key names its session. Any other
    key (another dialect's, whatever its tenant) is just not valid."""
    found = await c.credentials.find_by_secret(key)
    if found is not None and found.kind == KIND and found.bound_session_pk is not None:
        session = await c.sessions.get_by_pk(found.bound_session_pk)
        sid = session.id if session is not None else None
        return _unauthorized("the session of this API key has ended", invalidSessionId=sid)
    return _unauthorized("the API key is not valid")


async def _own_session(c: Services, principal: Principal) -> Session | None:
    if principal.bound_session_pk is None:
        return None
    session = await c.sessions.get_by_pk(principal.bound_session_pk)
    if session is None or not session.is_live(c.clock.now()):
        sid = session.id if session is not None else None
        raise _unauthorized("the session of this API key has ended", invalidSessionId=sid)
    return session
