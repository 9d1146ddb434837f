"""Count, time and log every HTTP request, by route template, around Litestar's router.

Wrapping ``app.asgi_handler`` (not adding a Litestar middleware) also sees the requests no route
matched (404, 405), which Litestar answers before any middleware runs. The route label is the
matched template (``/v1/sessions/{id:str}``), never the raw path, so ids cannot explode the
label set; what nothing matched is counted as ``unmatched``."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

from litestar import Litestar

from ..services.registry import Services
from .metrics import Metrics
from .runtime import commit_from
from .stats import DatabaseStats

access_log = logging.getLogger("sessionary.access")

STATE_KEY = "metrics"


def instrument(app: Litestar) -> Metrics:
    """Attach metrics to ``app`` and wrap its handler; call it before any wrapper that copies
    the scope (the route template is read back from the scope routing filled in)."""
    container: Services = app.state.container
    ttl_s = container.settings.metrics_cache_s
    settings = container.settings
    metrics = Metrics(
        DatabaseStats(container.read_model, container.clock, ttl_s),
        backend="sqlite" if settings.is_sqlite else "postgresql",
        pool=container.probe.pool_use,
        commit=commit_from(os.environ, Path(__file__).parent),
    )
    container.dispatcher.on_attempt = metrics.webhook_attempt
    app.state[STATE_KEY] = metrics
    inner = app.asgi_handler

    async def handler(scope: Any, receive: Any, send: Any) -> None:
        if scope.get("type") != "http":
            await inner(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client sees if the app fails before it answers

        async def watch(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await inner(scope, receive, watch)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("path_template")
            metrics.observe(scope["method"], route, status, elapsed)
            _log_access(scope, route, status, elapsed)

    app.asgi_handler = handler
    return metrics


def _log_access(scope: Any, route: str | None, status: int, elapsed: float) -> None:
    """Method, path (never the query string), status, duration and peer; no headers, no body."""
    if not access_log.isEnabledFor(logging.INFO):
        return
    client = scope.get("client")
    path = scope.get("path", "")
    duration_ms = round(elapsed * 1000, 3)
    access_log.info(
        "%s %s %d %.1fms",
        scope["method"],
        path,
        status,
        duration_ms,
        extra={
            "method": scope["method"],
            "route": route,
            "path": path,
            "status": status,
            "duration_ms": duration_ms,
            "client": client[0] if client else None,
        },
    )
