"""Every failure is a HiveMPSystemError: ``code``, ``message``, ``fields``, ``data`` (spec §5-§6).

Codes (stable): 1001 missing/invalid key (401), 1002 wrong key type (403), 1003 parameter
missing or invalid (400), 1004 session not found or ended (404), 1005 malformed id (400),
1006 invalid credentials (401), 1007 no such endpoint (404), 1008 method not allowed (405),
1009 body too large (413), 1010 project not found (404), 6001 retry later (503),
6002 rate limited (429), 7001 unhandled (500)."""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from ....domain import errors as e

log = logging.getLogger("sessionary.hivemp")


class HiveError(Exception):
    def __init__(
        self, status: int, code: int, message: str, fields: str | None = None, **data: Any
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.fields, self.data = (
            status,
            code,
            message,
            fields,
            data,
        )


def missing_parameter(name: str, reason: str = "missing") -> HiveError:
    return HiveError(
        400,
        1003,
        f"parameter {name} is {reason}",
        name,
        parameterName=name,
        parameterIsMissing=reason == "missing",
        parameterInvalidReason=reason,
    )


def session_not_found(session_id: str | None) -> HiveError:
    return HiveError(
        404,
        1004,
        "the user session does not exist or has ended",
        "id",
        invalidSessionId=session_id,
        objectType="UserSession",
    )


def wrong_key_type(expected: str) -> HiveError:
    return HiveError(
        403, 1002, f"this call needs a {expected} API key", None, expectedSessionType=expected
    )


def error_response(
    status: int, code: int, message: str, fields: str | None, data: Any
) -> Response[bytes]:
    body = {"code": code, "message": message, "fields": fields, "data": data or {}}
    headers = {}
    if code == 6002 and isinstance(data, dict) and "retryAfterSeconds" in data:
        headers["Retry-After"] = str(data["retryAfterSeconds"])
    return Response(
        content=msgspec.json.encode(body),
        status_code=status,
        media_type="application/json",
        headers=headers or None,
    )


def render(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    if isinstance(exc, HiveError):
        data = {k: v for k, v in exc.data.items() if v is not None}
        return error_response(exc.status, exc.code, exc.message, exc.fields, data)
    if isinstance(exc, e.StorageUnavailable):  # before DomainError: not the caller's fault
        log.error("storage unavailable: %s", exc)
        return error_response(503, 6001, "the service is busy; retry later", None, {})
    if isinstance(exc, e.DomainError):
        return _domain(exc)
    if isinstance(exc, ValidationException):
        return error_response(400, 1003, "a query parameter is invalid", None, {})
    if isinstance(exc, HTTPException) and exc.status_code < 500:
        return _http(exc.status_code)
    log.exception("unhandled error in the HiveMP dialect")
    return error_response(500, 7001, "an internal error occurred", None, {})


def _domain(exc: e.DomainError) -> Response[bytes]:
    if isinstance(exc, e.Unauthenticated):
        info = {"unauthorizedAdditionalInfo": exc.message}
        return error_response(401, 1001, "a valid API key is required", None, info)
    if isinstance(exc, e.NotFound | e.SessionNotActive):
        return _as(session_not_found(str(exc.data.get("id") or "")))
    if isinstance(exc, e.LimitExceeded):
        return error_response(429, 6002, exc.message, None, {"retryAfterSeconds": 1})
    return error_response(400, 1003, exc.message, None, {"parameterInvalidReason": exc.message})


def _http(status: int) -> Response[bytes]:
    known = {
        404: (1007, "no such endpoint"),
        405: (1008, "method not allowed on this endpoint"),
        413: (1009, "the request body is too large"),
    }
    code, message = known.get(status, (1003, "the request is invalid"))
    return error_response(status, code, message, None, {})


def _as(error: HiveError) -> Response[bytes]:
    data = {k: v for k, v in error.data.items() if v is not None}
    return error_response(error.status, error.code, error.message, error.fields, data)
