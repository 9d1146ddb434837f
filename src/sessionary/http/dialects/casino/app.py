"""The casino router at ``casino_prefix``. Vendor paths are case-insensitive (``/V4/closesession``
and ``/v4/CloseSession`` are one endpoint), so paths under the prefix are folded to lower case
before routing."""

from __future__ import annotations

from typing import Any

from litestar import Litestar, Router

from ...deps import SERVICES
from . import close, game_api, history, start
from .errors import render

__all__ = ["casino_router", "fold_paths", "render"]


def casino_router(prefix: str) -> Router:
    return Router(
        prefix,
        route_handlers=[
            close.close_session,
            start.start_game_a,
            start.start_game_b,
            *history.ROUTES,
            *game_api.ROUTES,
        ],
        dependencies=SERVICES,
        include_in_schema=False,
    )


def fold_paths(app: Litestar, prefix: str) -> None:
    """Routing happens inside ``asgi_handler``; wrap it so the casino sees lower-case paths."""
    inner = app.asgi_handler
    lowered = prefix.lower()

    async def handler(scope: Any, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if scope.get("type") == "http" and path.lower().startswith(lowered + "/"):
            scope = {**scope, "path": prefix + path[len(prefix) :].lower()}
            scope.pop("raw_path", None)
        await inner(scope, receive, send)

    app.asgi_handler = handler
