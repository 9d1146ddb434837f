"""The ``/admin`` router: CSRF on every form, sign-in and sign-out, the overview page."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from litestar import Response, Router, get, post
from litestar.config.csrf import CSRFConfig
from litestar.middleware.base import DefineMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.static_files import create_static_files_router

from ..config import Settings
from ..dialects.descriptor import KeyKind
from ..domain.errors import Unauthenticated
from ..http.request_id import request_id
from . import keys, sessions, webhooks
from .charts import bar_chart, status_chart
from .context import DEPENDENCIES, Console, read_form
from .render import PREFIX, AnyRequest, page, see_other
from .signin import COOKIE, NotSignedIn, Operator

CSRF_COOKIE = "sessionary_csrf"
_STATIC = Path(__file__).parent / "static"


def csrf_secret(settings: Settings) -> str:
    """Derived from the newest secret key, so every worker and node accepts every other's
    forms; without one (development), a per-process value: use one worker or set the key.
    Litestar takes one secret: a form loaded before a key rotation is refused once."""
    if not settings.secret_keys:
        return secrets.token_hex(32)
    key = settings.secret_keys[0].encode()
    return hmac.new(key, b"sessionary console csrf", hashlib.sha256).hexdigest()


def csrf_config(settings: Settings) -> CSRFConfig:
    return CSRFConfig(
        secret=csrf_secret(settings),
        cookie_name=CSRF_COOKIE,
        cookie_path=PREFIX,
        cookie_secure=settings.console_cookie_secure,
        cookie_httponly=True,  # the token reaches forms from the server, never from scripts
        cookie_samesite="strict",
    )


@get("/sign-in", name="console:sign-in")
async def sign_in_page(request: AnyRequest, console: Console) -> Response[Any]:
    try:
        await console.auth.load(request.cookies.get(COOKIE), request_id(request))
    except NotSignedIn:
        return page(request, "signin.html", title="Sign in")
    return see_other(PREFIX)


@post("/sign-in", status_code=303)
async def sign_in(request: AnyRequest, console: Console) -> Response[Any]:
    form = await read_form(request)
    try:
        value = await console.auth.sign_in(form.get("key"), request_id(request))
    except Unauthenticated:
        message = "That key was not accepted. Sign in with an operator (system) key."
        return page(request, "signin.html", status=401, title="Sign in", error=message)
    redirect = see_other(PREFIX)
    redirect.set_cookie(console.cookie(value))
    return redirect


@post("/sign-out", status_code=303)
async def sign_out(request: AnyRequest, console: Console, operator: Operator) -> Response[Any]:
    await console.auth.sign_out(operator, request_id(request))
    redirect = see_other(f"{PREFIX}/sign-in")
    redirect.set_cookie(console.cookie("", clear=True))
    return redirect


@get("/", name="console:overview")
async def overview(
    request: AnyRequest, console: Console, operator: Operator, tenant: str | None = None
) -> Response[str]:
    tenants = await console.c.tenants.list()
    data = await console.reads.overview(tenants)
    chosen = next((t for t in tenants if t.name == tenant), None)
    picked = [chosen.pk] if chosen else [t.pk for t in tenants]
    per_day = [
        (day, sum(data.billed_per_day[pk][i][1] for pk in picked))
        for i, (day, _) in enumerate(data.billed_per_day[picked[0]] if picked else [])
    ]
    statuses: dict[str, int] = {}
    for pk in picked:
        for status, n in data.by_status[pk].items():
            statuses[status] = statuses.get(status, 0) + n
    scope = chosen.name if chosen else "all tenants"
    return page(
        request,
        "overview.html",
        title="Overview",
        operator=operator,
        data=data,
        chosen=chosen,
        per_day=per_day,
        statuses=statuses,
        billed_chart=bar_chart(per_day, f"Billed minutes per day, {scope}", "billed minutes"),
        status_chart=status_chart(statuses, f"Sessions by status, {scope}"),
    )


def console_router(settings: Settings, key_kinds: Sequence[KeyKind] = ()) -> Router:
    """``key_kinds``: the installed dialects' cards on the keys page."""
    static = create_static_files_router(
        path="/static", directories=[_STATIC], name="console:static", include_in_schema=False
    )
    return Router(
        PREFIX,
        route_handlers=[
            sign_in_page,
            sign_in,
            sign_out,
            overview,
            *sessions.ROUTES,
            *keys.ROUTES,
            *webhooks.ROUTES,
            static,
        ],
        dependencies={**DEPENDENCIES, **keys.dependencies(key_kinds)},
        middleware=[DefineMiddleware(CSRFMiddleware, config=csrf_config(settings))],
        include_in_schema=False,
    )
