"""Error answers of both generations (spec §2.1, §5, §6).

Gen A: HTTP 4xx/5xx with ``{"error": {"code": "G.n|V.n", "message": ...}}``.
Gen B: HTTP 200 with a numeric ``error`` and its ``description``."""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException

from ....domain.errors import InvalidInput, StorageUnavailable

log = logging.getLogger("sessionary.casino")

G0 = "Could not authenticate, please review sent data and try again. If problem persists, contact customer support "  # noqa: E501 - the documented text, trailing space included
G1 = "INVALID GAME TYPE"
G99 = "System error, should be retried, in case of constant occurrences should be reported to Lucky Monaco."  # noqa: E501
V1 = "Have no Argument"
B_DESCRIPTIONS = {
    12: "Account not found.",
    17: "No data.",
    20: "Game not allowed.",
    21: "Parameter missing or incorrect.",
    54: "Incorrect secure LOGIN and secure password combination.",
    998: "Internal error, should be retried.",  # [PROPOSAL] wording; the doc gives no text
    999: "Internal error, should be reported to Lucky Monaco.",
}
GEN_B_ROOTS = ("/v4/", "/history/", "/transfer/")


class GenAError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class TooManyCalls(Exception):
    """Too many calls for this partner or game token. The docs are silent, so: HTTP 429 with
    ``Retry-After`` in the caller's generation's shape, Gen A ``G.9`` (the documented
    "system error, retry") or Gen B numeric ``429`` (like its 401 and 404 codes)."""

    def __init__(self, retry_after: int, gen_a: bool | None = None) -> None:
        super().__init__("too many requests")
        self.retry_after, self.gen_a = retry_after, gen_a


def gen_a_call(request: Request[Any, Any, Any]) -> bool:
    """Gen A callers authenticate in the query string; Gen B ones in the body."""
    return "MEMB_ID" in request.query_params or "HASH" in request.query_params


def throttled(request: Request[Any, Any, Any], exc: TooManyCalls) -> Response[bytes]:
    gen_a = exc.gen_a if exc.gen_a is not None else gen_a_call(request)
    message = f"Too many requests, should be retried after {exc.retry_after} seconds."
    body: Any = {"error": {"code": "G.9", "message": message}}
    if not gen_a:
        body = {"error": 429, "description": message}
    response = json_response(429, body)
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


class GenBError(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(B_DESCRIPTIONS[code])
        self.code = code


def auth_failed() -> GenAError:
    return GenAError(401, "G.0", G0)


def no_argument() -> GenAError:
    return GenAError(400, "V.1", V1)


def bad_game() -> GenAError:
    return GenAError(400, "G.1", G1)


def json_response(status: int, body: Any) -> Response[bytes]:
    return Response(
        content=msgspec.json.encode(body), status_code=status, media_type="application/json"
    )


def success(**fields: Any) -> Response[bytes]:
    return json_response(200, {"error": 0, "description": "Success", **fields})


def render(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    if isinstance(exc, GenAError):
        return json_response(exc.status, {"error": {"code": exc.code, "message": exc.message}})
    if isinstance(exc, GenBError):
        return json_response(200, {"error": exc.code, "description": str(exc)})
    if isinstance(exc, TooManyCalls):
        return throttled(request, exc)
    if isinstance(exc, InvalidInput):  # a value the database cannot store (U+0000)
        if gen_a_call(request):
            return json_response(400, {"error": {"code": "V.1", "message": V1}})
        return json_response(200, {"error": 21, "description": B_DESCRIPTIONS[21]})
    if isinstance(exc, HTTPException) and exc.status_code < 500:
        message = {404: "Not Found", 405: "Method Not Allowed"}.get(exc.status_code, V1)
        return json_response(exc.status_code, {"error": {"code": "V.1", "message": message}})
    return _internal(request, exc)


def gen_b_path(request: Request[Any, Any, Any]) -> bool:
    """A Gen B endpoint (``/v4/…``, ``/history/…``, ``/transfer/…``) called without Gen A's
    query credentials. The game API and Gen A's ``api/…`` keep Gen A's shape."""
    prefix = request.app.state.container.settings.casino_prefix
    rest = request.url.path[len(prefix) :].lower()
    return rest.startswith(GEN_B_ROOTS) and not gen_a_call(request)


def _internal(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    """Our own failures. Gen B answers them in its numeric shape with the 5XX status the spec
    gives server errors ([PROPOSAL]: 998 "retry" while the database is unavailable, 999
    otherwise; spec §6 lists 997-999 as internal errors, 998 meaning retry)."""
    unavailable = isinstance(exc, StorageUnavailable)
    if unavailable:  # G.99 and 998 already say "should be retried"
        log.error("storage unavailable: %s", exc)
    else:
        log.error("error in the casino dialect", exc_info=exc)
    status = 503 if unavailable else 500
    if gen_b_path(request):
        code = 998 if unavailable else 999
        return json_response(status, {"error": code, "description": B_DESCRIPTIONS[code]})
    return json_response(status, {"error": {"code": "G.99", "message": G99}})
