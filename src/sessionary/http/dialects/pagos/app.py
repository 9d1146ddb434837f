"""The Pagos router at ``pagos_prefix``; transport errors (404, 405) outside the envelope."""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from litestar import Request, Response, Router
from litestar.exceptions import HTTPException

from ....domain.errors import InvalidInput, StorageUnavailable
from ...deps import SERVICES
from .routes import ROUTES
from .token_route import oauth, token_route

log = logging.getLogger("sessionary.pagos")
_MESSAGES = {
    404: "No HTTP resource was found that matches the request URI.",
    405: "The requested resource does not support this HTTP method.",
    413: "The request entity is too large.",
}


def render(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    """ASP.NET Web API style ``{"Message": ...}`` bodies for transport-level errors."""
    if isinstance(exc, StorageUnavailable):
        log.error("storage unavailable: %s", exc)
        return oauth(503, {"Message": "The service is temporarily unavailable; retry later."})
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if isinstance(exc, InvalidInput):  # a value the database cannot store (U+0000)
        status = 400
    if status >= 500:
        log.error("error in the Pagos dialect", exc_info=exc)
        return oauth(500, {"Message": "An error has occurred."})
    message = _MESSAGES.get(status, "The request is invalid.")
    return Response(
        content=msgspec.json.encode({"Message": message}),
        status_code=status,
        media_type="application/json; charset=utf-8",
    )


def pagos_router(prefix: str) -> Router:
    return Router(
        prefix,
        route_handlers=[*ROUTES, token_route()],
        dependencies=SERVICES,
        include_in_schema=False,
    )
