"""The one place the ``{Success, InvalidToken, Messages}`` envelope is built (spec §3, §7):
always HTTP 200 with ``Cache-Control: no-cache, no-store``; key order as documented."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Response

ZERO_GUID = "00000000-0000-0000-0000-000000000000"
RESTRICTED = "The requested resource is restricted and your request did not provide a valid token."
UNPARSABLE = "The request body could not be parsed."
APP_REQUIRED = "ApplicationKey is required."
APP_INVALID = "The requested application is invalid."  # [DOC] Failure Example 2, verbatim
SESSION_ID_REQUIRED = "A valid SessionId is required."
SESSION_GONE = "The dedicated session could not be found or has already been closed."
TOO_MANY = "The maximum number of dedicated sessions has been reached."
RATE_LIMITED = "Too many requests; retry after {} seconds."

HEADERS = {"Cache-Control": "no-cache, no-store"}
MEDIA_TYPE = "application/json; charset=utf-8"


class Refusal(Exception):
    """A failure reported inside the envelope."""

    def __init__(
        self, message: str, invalid_token: bool = False, retry_after: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.invalid_token = invalid_token
        self.retry_after = retry_after


def rate_limited(retry_after: int) -> Refusal:
    """The one failure not reported with 200 (the docs are silent on throttling): 429 with
    ``Retry-After``, and still the envelope, so envelope-reading clients see a failure too."""
    return Refusal(RATE_LIMITED.format(retry_after), retry_after=retry_after)


def _respond(body: dict[str, Any], retry_after: int | None = None) -> Response[bytes]:
    headers = HEADERS if retry_after is None else {**HEADERS, "Retry-After": str(retry_after)}
    return Response(
        content=msgspec.json.encode(body),
        status_code=200 if retry_after is None else 429,
        media_type=MEDIA_TYPE,
        headers=headers,
    )


def opened(session_id: str) -> Response[bytes]:
    return _respond({"SessionId": session_id, "Success": True, "Messages": []})


def closed() -> Response[bytes]:
    return _respond({"Success": True, "InvalidToken": False, "Messages": []})


def failed(refusal: Refusal, with_session_id: bool) -> Response[bytes]:
    body: dict[str, Any] = {"SessionId": ZERO_GUID} if with_session_id else {}
    body.update(
        {"Success": False, "InvalidToken": refusal.invalid_token, "Messages": [refusal.message]}
    )
    return _respond(body, refusal.retry_after)
