"""HTML responses: one Jinja2 environment (autoescaped), security headers on every page, and
the console's error pages (the app's exception handler sends every ``/admin`` error here)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from litestar import Request, Response
from litestar.exceptions import HTTPException, PermissionDeniedException
from litestar.response import Redirect
from litestar.utils.scope.state import ScopeState

from ..domain.errors import DomainError, StorageUnavailable
from ..http.native.errors import status_of
from ..http.request_id import request_id
from .signin import COOKIE, NotSignedIn

log = logging.getLogger("sessionary.console")
PREFIX = "/admin"
HTML = "text/html; charset=utf-8"
HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
AnyRequest = Request[Any, Any, Any]


def timestamp(micros: int | None) -> str:
    if micros is None:
        return "—"
    return datetime.fromtimestamp(micros / 1_000_000, UTC).strftime("%Y-%m-%d %H:%M:%S")


_env = Environment(
    loader=PackageLoader("sessionary.console", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["ts"] = timestamp


def csrf_token(request: AnyRequest) -> str:
    token = ScopeState.from_scope(request.scope).csrf_token
    return token if isinstance(token, str) else ""


def page(
    request: AnyRequest,
    template: str,
    status: int = 200,
    cookies: list[Any] | None = None,
    **context: Any,
) -> Response[str]:
    html = _env.get_template(template).render(
        csrf_token=csrf_token(request), prefix=PREFIX, request_path=request.url.path, **context
    )
    return Response(
        html, status_code=status, media_type=HTML, headers=HEADERS, cookies=cookies or []
    )


def see_other(path: str) -> Redirect:
    return Redirect(path, status_code=303, headers=HEADERS)


def _error_page(request: AnyRequest, status: int, title: str, message: str) -> Response[str]:
    signed_in = COOKIE in request.cookies
    try:
        return page(
            request,
            "error.html",
            status=status,
            title=title,
            message=message,
            signed_in=signed_in,
            request_id=request_id(request),
        )
    except Exception:  # the template itself failed: still answer in plain HTML
        log.exception("error page failed")
        return Response(f"<h1>{status}</h1>", status_code=status, media_type=HTML)


def render_error(request: AnyRequest, exc: Exception) -> Response[Any]:
    """The console's renderer for the app's dispatching exception handler."""
    if isinstance(exc, NotSignedIn):
        return see_other(f"{PREFIX}/sign-in")
    if isinstance(exc, PermissionDeniedException):
        message = "The form was refused: its security token is missing or stale. Reload the page."
        return _error_page(request, 403, "Forbidden", message)
    if isinstance(exc, StorageUnavailable):  # before DomainError: not the caller's fault
        log.error("storage unavailable: %s", exc)
        return _error_page(request, 503, "Unavailable", "The database is unavailable; retry.")
    if isinstance(exc, DomainError):
        return _error_page(request, status_of(exc), "Request refused", exc.message)
    if isinstance(exc, HTTPException) and exc.status_code < 500:
        titles = {404: "Not found", 405: "Method not allowed", 413: "Too large"}
        detail = "No such page." if exc.status_code == 404 else str(exc.detail)
        return _error_page(
            request, exc.status_code, titles.get(exc.status_code, "Bad request"), detail
        )
    log.exception("unhandled console error", extra={"request_id": request_id(request)})
    return _error_page(request, 500, "Server error", "The server could not complete the request.")
