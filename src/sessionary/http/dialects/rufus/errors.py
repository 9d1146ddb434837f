"""RUFUS error bodies: ``{"description": ...}`` plus the id the request named (spec §2.5)."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from ....domain import errors as e
from .reply import reply

log = logging.getLogger("sessionary.rufus")


class RufusError(Exception):
    """An answer the spec spells out: a status and the body's extra keys, in order."""

    def __init__(
        self, status: int, description: str, headers: dict[str, str] | None = None, **ids: str
    ) -> None:
        super().__init__(description)
        self.status = status
        self.headers = headers
        self.body: dict[str, Any] = {"description": description, **ids}


def bad_request(description: str) -> RufusError:
    return RufusError(400, description)


def render(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    if isinstance(exc, RufusError):
        return reply(request, exc.status, exc.body, exc.headers)
    if isinstance(exc, e.StorageUnavailable):  # before DomainError: not the caller's fault
        log.error("storage unavailable: %s", exc)
        return reply(request, 503, None)
    if isinstance(exc, e.Unauthenticated | e.Forbidden):
        return reply(request, 403, {"description": exc.message})
    if isinstance(exc, e.RateLimited):  # as the per-key limit answers (auth.py)
        retry = {"Retry-After": str(exc.data.get("retry_after", 1))}
        return reply(request, 429, {"description": "Too many requests"}, retry)
    if isinstance(exc, e.DomainError):
        return reply(request, 400, {"description": exc.message})
    if isinstance(exc, ValidationException):
        return reply(request, 400, {"description": "Invalid query parameter"})
    if isinstance(exc, HTTPException) and exc.status_code < 500:
        return reply(request, exc.status_code, {"description": _http_description(exc)})
    log.exception("unhandled error in the RUFUS dialect")
    return reply(request, 500, None)


def _http_description(exc: HTTPException) -> str:
    return {404: "Not found", 405: "Method not allowed", 413: "Payload too large"}.get(
        exc.status_code, str(exc.detail)
    )
