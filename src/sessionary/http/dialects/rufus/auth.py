"""RUFUS API keys: ``api_key`` or ``x-api-key`` header, and the method gate of spec §3.2."""

from __future__ import annotations

from typing import Any

from litestar import Request

from ....dialects.rufus.keys import KIND
from ....domain.errors import Unauthenticated
from ....domain.model import Principal
from ....services.registry import Services
from ...deps import throttle
from .errors import RufusError

_READS = {"READ", "READ_WRITE"}
_WRITES = {"WRITE", "READ_WRITE"}


def allowed(method: str, access: str, can_unbind: bool) -> bool:
    """GET needs read access; POST/PATCH write access; DELETE write access and the unbind flag."""
    if method == "GET":
        return access in _READS
    if method in ("POST", "PATCH"):
        return access in _WRITES
    if method == "DELETE":
        return access in _WRITES and can_unbind
    return False


def presented_key(request: Request[Any, Any, Any]) -> str | None:
    """``api_key`` wins when both headers are sent (spec §2.1); an empty value is no key."""
    for header in ("api_key", "x-api-key"):
        value = request.headers.get(header, "").strip()
        if value:
            return value
    return None


async def provide_rufus_principal(request: Request[Any, Any, Any]) -> Principal:
    container: Services = request.app.state.container
    try:
        principal = await container.auth.authenticate(presented_key(request))
    except Unauthenticated:
        raise RufusError(403, "Invalid or missing API key") from None
    if principal.kind != KIND or principal.tenant_pk is None:
        raise RufusError(403, "Invalid or missing API key")
    refused = await throttle(container, principal)
    if refused is not None:  # the spec is silent: 429, the usual body, and Retry-After
        retry = {"Retry-After": str(refused.retry_after)}
        raise RufusError(429, "Too many requests", headers=retry)
    attrs = dict(principal.attributes)
    if not allowed(request.method, str(attrs.get("access_type")), bool(attrs.get("can_unbind"))):
        raise RufusError(403, "API key access type not allowed for this operation")
    return principal
