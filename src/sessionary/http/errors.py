"""Errors are rendered in the caller's dialect: one app-level handler picks the renderer by the
mount prefix of the request path (unmatched paths and 405s never reach a router's handlers)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from litestar import Request, Response

Renderer = Callable[[Request[Any, Any, Any], Exception], Response[Any]]


def dispatching_handlers(
    mounts: Sequence[tuple[str, Renderer]], default: Renderer
) -> dict[type[Exception] | int, Callable[..., Response[Any]]]:
    ordered = sorted(mounts, key=lambda m: len(m[0]), reverse=True)

    def handle(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
        path = request.scope["path"]
        for prefix, render in ordered:
            if path == prefix or path.startswith(prefix + "/"):
                return render(request, exc)
        return default(request, exc)

    return {Exception: handle}
