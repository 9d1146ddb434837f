"""RFC 9457 problem+json bodies, built in one place for the native API and the app root."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Response

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:sessionary:problem:"

_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


_RESERVED = {"type", "title", "status", "detail", "instance", "request_id"}


def problem_body(
    status: int,
    code: str,
    detail: str,
    *,
    request_id: str | None = None,
    extra: dict[str, Any] | None = None,
) -> bytes:
    """Extension members from ``extra`` never overwrite the standard ones: a clashing name
    gets a ``session_`` prefix (a session's ``status`` becomes ``session_status``)."""
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + code,
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if request_id:
        body["request_id"] = request_id
    for key, value in (extra or {}).items():
        if value is not None:
            body["session_" + key if key in _RESERVED else key] = value
    return msgspec.json.encode(body)


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    request_id: str | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response[bytes]:
    return Response(
        content=problem_body(status, code, detail, request_id=request_id, extra=extra),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )
