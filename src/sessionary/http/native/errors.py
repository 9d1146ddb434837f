"""The one table that turns errors into /v1 problem+json responses."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotFoundException, ValidationException

from ...domain import errors as e
from ..problem import problem
from ..request_id import request_id
from .body import MalformedBody, UnsupportedMediaType

log = logging.getLogger("sessionary.http")

# Most specific first: the first class in an error's MRO found here decides its status.
STATUS: dict[type[e.DomainError], int] = {
    MalformedBody: 400,
    UnsupportedMediaType: 415,
    e.NotFound: 404,
    e.SessionNotActive: 409,
    e.Conflict: 409,
    e.InvalidInput: 422,
    e.LimitExceeded: 422,
    e.Unauthenticated: 401,
    e.Forbidden: 403,
    e.RateLimited: 429,
    e.StorageUnavailable: 503,
}


def status_of(exc: e.DomainError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def domain_error(request: Request[Any, Any, Any], exc: e.DomainError) -> Response[bytes]:
    status = status_of(exc)
    headers = {"WWW-Authenticate": 'Bearer realm="sessionary"'} if status == 401 else None
    if isinstance(exc, e.RateLimited):
        headers = _rate_limit_headers(request, exc)
    extra = {k: v for k, v in exc.data.items() if isinstance(v, str | int | bool)}
    return problem(
        status, exc.code, exc.message, request_id=request_id(request), headers=headers, extra=extra
    )


def _rate_limit_headers(request: Request[Any, Any, Any], exc: e.RateLimited) -> dict[str, str]:
    """``limit`` is the caller's bucket size (its tenant's override or the global burst)."""
    retry_after = int(exc.data.get("retry_after", 1))
    burst = exc.data.get("limit") or request.app.state.container.settings.rate_limit_burst
    return {
        "Retry-After": str(retry_after),
        "RateLimit-Limit": str(burst),
        "RateLimit-Remaining": "0",
        "RateLimit-Reset": str(retry_after),
    }


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[bytes]:
    status = exc.status_code
    codes = {404: "not-found", 405: "method-not-allowed", 413: "body-too-large"}
    code = codes.get(status, "bad-request" if status < 500 else "server-error")
    detail = exc.detail if status < 500 else "the server could not complete the request"
    if isinstance(exc, NotFoundException) and exc.detail in ("Not Found", ""):
        detail = "no such resource"
    headers = dict(exc.headers or {})
    if isinstance(exc, ValidationException):
        code, detail = "invalid-parameter", _validation_detail(exc)
    return problem(status, code, detail, request_id=request_id(request), headers=headers or None)


def storage_error(request: Request[Any, Any, Any], exc: e.StorageUnavailable) -> Response[bytes]:
    # The driver's own message only: SQLAlchemy's text would carry the bound parameters.
    cause = getattr(exc.__cause__, "orig", exc.__cause__)
    log.error("storage unavailable: %s (%s)", exc, type(cause).__name__ if cause else "-")
    return problem(
        503,
        "storage-unavailable",
        "the database is unavailable; retry later",
        request_id=request_id(request),
        headers={"Retry-After": "1"},
    )


def unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    log.exception("unhandled error", extra={"request_id": request_id(request)})
    return problem(
        500,
        "server-error",
        "the server could not complete the request",
        request_id=request_id(request),
    )


def _validation_detail(exc: ValidationException) -> str:
    extra = exc.extra if isinstance(exc.extra, list) else []
    parts = []
    for item in extra:
        if isinstance(item, dict):
            parts.append(f"{item.get('key', '?')}: {item.get('message', 'invalid')}")
    return "; ".join(parts) or "a request parameter is not valid"


def render(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    """The native API's renderer: problem+json for every error."""
    if isinstance(exc, e.StorageUnavailable):  # a DomainError, but its own answer
        return storage_error(request, exc)
    if isinstance(exc, e.DomainError):
        return domain_error(request, exc)
    if isinstance(exc, HTTPException):
        return http_error(request, exc)
    return unexpected_error(request, exc)
