"""Exceptions of the client: every problem+json answer becomes one, with its fields.

The one place where an HTTP answer or an httpx error turns into a sessionary exception."""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime
from typing import Any

import httpx
import msgspec

TYPE_PREFIX = "urn:sessionary:problem:"
_STANDARD = ("type", "title", "status", "detail", "request_id")


class SessionaryError(Exception):
    """Base of every exception this client raises."""


class ConnectionFailed(SessionaryError):
    """The server could not be reached, or stopped answering, after every retry.

    The httpx error that ended the last attempt is the ``__cause__``."""


class StreamProtocolError(SessionaryError, ValueError):
    """A message of the event stream (``GET /v1/events``) does not have the documented shape."""


class ApiError(SessionaryError):
    """The server answered with an error (RFC 9457 problem+json).

    ``code`` is the stable part of ``type`` (``session-not-found``, ``invalid-input``, ...);
    ``extra`` holds the problem's extension members (e.g. ``session_status``)."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        title: str = "",
        request_id: str | None = None,
        extra: dict[str, Any] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        self.code = code
        self.type = TYPE_PREFIX + code
        self.title = title
        self.detail = detail
        self.request_id = request_id
        self.extra: dict[str, Any] = extra or {}
        self.retry_after = retry_after

    def __str__(self) -> str:
        suffix = f" (request {self.request_id})" if self.request_id else ""
        return f"{self.status} {self.code}: {self.detail}{suffix}"


class BadRequest(ApiError):
    """400: a malformed body, a forged cursor, a bad query parameter."""


class Unauthenticated(ApiError):
    """401: the key is missing, unknown, revoked or expired."""


class Forbidden(ApiError):
    """403: the key lacks the scope the operation needs."""


class NotFound(ApiError):
    """404: no such object in the key's tenant (another tenant's ids answer the same)."""


class Conflict(ApiError):
    """409: the request clashes with the object's state or with an earlier request."""


class SessionNotActive(Conflict):
    """409 ``session-not-active``: the session is closed, expired or deleted
    (``extra['session_status']`` says which)."""


class IdempotencyKeyReused(Conflict):
    """409 ``idempotency-key-reused``: the same Idempotency-Key came with another request."""


class PayloadTooLarge(ApiError):
    """413: the body is over the server's limit."""


class InvalidInput(ApiError):
    """422: the request is well-formed but a value is not acceptable."""


class RateLimited(ApiError):
    """429: over the key's rate limit; ``retry_after`` is the seconds to wait."""


class ServerError(ApiError):
    """5xx: the server failed; the request may be retried."""


class ServiceUnavailable(ServerError):
    """503: the server (usually its database) is unavailable for now."""


_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequest,
    401: Unauthenticated,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    413: PayloadTooLarge,
    422: InvalidInput,
    429: RateLimited,
    503: ServiceUnavailable,
}
_BY_CODE: dict[str, type[ApiError]] = {
    "session-not-active": SessionNotActive,
    "idempotency-key-reused": IdempotencyKeyReused,
}


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header: delta-seconds or an HTTP date."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _problem_body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = msgspec.json.decode(response.content)
    except msgspec.DecodeError:
        return {}
    return body if isinstance(body, dict) else {}


def error_from_response(response: httpx.Response) -> ApiError:
    """The exception for an error answer; a body that is not problem+json still maps by status."""
    body = _problem_body(response)
    status = response.status_code
    kind = str(body.get("type", ""))
    code = kind.removeprefix(TYPE_PREFIX) if kind.startswith(TYPE_PREFIX) else ""
    code = code or ("server-error" if status >= 500 else f"http-{status}")
    detail = body.get("detail")
    if not isinstance(detail, str):
        detail = response.reason_phrase or "the server answered with an error"
    cls = _BY_CODE.get(code) or _BY_STATUS.get(status)
    if cls is None:
        cls = ServerError if status >= 500 else ApiError
    rid = body.get("request_id") or response.headers.get("x-request-id")
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    if retry_after is None and isinstance(body.get("retry_after"), int | float):
        retry_after = float(body["retry_after"])
    return cls(
        status,
        code,
        detail,
        title=str(body.get("title", "")),
        request_id=rid if isinstance(rid, str) else None,
        extra={k: v for k, v in body.items() if k not in _STANDARD},
        retry_after=retry_after,
    )
