"""POST /token: OAuth 2 client credentials (form or JSON; spec §2 proposal)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, post

from ....domain.model import Actor
from ....services.registry import Services
from ...request_id import request_id
from .token_limits import SlowDown, token_guard
from .tokens import issue_token

_ALIASES = {
    "client_id": "client_id",
    "clientidentifier": "client_id",
    "client_secret": "client_secret",
    "clientsecret": "client_secret",
    "grant_type": "grant_type",
}
_HEADERS = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def oauth(status: int, body: dict[str, Any]) -> Response[bytes]:
    return Response(
        content=msgspec.json.encode(body),
        status_code=status,
        media_type="application/json;charset=UTF-8",
        headers=_HEADERS,
    )


async def _form(request: Request[Any, Any, Any]) -> dict[str, str]:
    ctype = request.headers.get("content-type", "").lower()
    if "json" in ctype:
        try:
            raw = msgspec.json.decode(await request.body())
        except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
            return {}
        items = raw.items() if isinstance(raw, dict) else []
    else:
        items = (await request.form()).items()
    out: dict[str, str] = {}
    for key, value in items:
        name = _ALIASES.get(str(key).lower())
        if name is not None and isinstance(value, str):
            out[name] = value
    return out


def slow_down(refused: SlowDown) -> Response[bytes]:
    """[PROPOSAL] The spec is silent on throttling: HTTP 429 with ``Retry-After``, in the
    endpoint's own OAuth shape, with RFC 8628's token-endpoint code for "too fast"."""
    seconds = refused.retry_after
    description = f"Too many requests; retry after {seconds} seconds."
    response = oauth(429, {"error": "slow_down", "error_description": description})
    response.headers["Retry-After"] = str(seconds)
    return response


def token_route() -> Any:
    @post("/token", status_code=200)
    async def token(request: Request[Any, Any, Any], c: Services) -> Response[bytes]:
        """grant_type=client_credentials&client_id=...&client_secret=... -> bearer token."""
        guard = token_guard(request, c)
        busy = guard.source(request.client.host if request.client else None)
        if busy is not None:
            return slow_down(busy)
        form = await _form(request)
        if form.get("grant_type") != "client_credentials":
            return oauth(400, {"error": "unsupported_grant_type"})
        if not form.get("client_id") or not form.get("client_secret"):
            return oauth(400, {"error": "invalid_request"})
        issued = await issue_token(
            c,
            guard,
            form["client_id"],
            form["client_secret"],
            Actor(credential_pk=None, request_id=request_id(request), label="pagos"),
        )
        if issued is None:
            return oauth(400, {"error": "invalid_client"})
        if isinstance(issued, SlowDown):
            return slow_down(issued)
        ttl = c.settings.pagos_token_ttl_s
        return oauth(200, {"access_token": issued, "token_type": "bearer", "expires_in": ttl})

    return token
