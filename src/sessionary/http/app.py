"""create_app: mounts /v1, every installed dialect (``dialects/registry.py``) and the admin
console on one Litestar app."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence

from litestar import Litestar, Router
from litestar.datastructures import State

from ..bootstrap import Container, enable_tracing
from ..config import Settings
from ..console.render import render_error as console_render
from ..console.routes import console_router
from ..dialects.descriptor import Dialect
from ..dialects.registry import check_prefixes, installed
from ..observability.endpoint import metrics_endpoint
from ..observability.instrument import STATE_KEY as METRICS_KEY
from ..observability.instrument import instrument
from ..observability.loop_lag import LoopLagMonitor
from ..observability.metrics import Metrics
from ..observability.tracing import trace_requests
from .deps import DEPENDENCIES
from .draining import DRAIN_KEY, Stop
from .edge import edge
from .errors import Renderer, dispatching_handlers
from .health import READINESS_KEY, Cached, healthz, readiness, readyz, standard_checks
from .middleware import idempotency_middleware, request_id_middleware
from .native import admin, sessions, stream, usage, webhooks
from .native.errors import render as native_render
from .openapi import attach_request_bodies, openapi_config, openapi_json
from .proxy import behind_proxies


def native_router(dialects: Sequence[Dialect] = ()) -> Router:
    """/v1, with the routes dialects add to it (HiveMP's account creation)."""
    extra = [route for d in dialects if d.native_routes for route in d.native_routes()]
    return Router(
        "/v1",
        route_handlers=[
            *sessions.ROUTES,
            *admin.ROUTES,
            *usage.ROUTES,
            *webhooks.ROUTES,
            *stream.ROUTES,
            *extra,
            openapi_json,
        ],
        dependencies=DEPENDENCIES,
        middleware=[idempotency_middleware],
    )


@contextlib.asynccontextmanager
async def _background(app: Litestar) -> AsyncIterator[None]:
    """Run the expiry sweeper, the webhook worker and the event-loop lag probe beside the
    server; dispose the database on the way out."""
    container: Container = app.state.container
    settings = container.settings
    tasks = []
    if settings.sweep_interval_s > 0:
        tasks.append(asyncio.create_task(container.sweeper.run_forever(settings.sweep_interval_s)))
    if settings.webhook_interval_s > 0:
        runner = container.dispatcher.run_forever(settings.webhook_interval_s)
        tasks.append(asyncio.create_task(runner))
    if settings.loop_lag_interval_s > 0:
        tasks.append(asyncio.create_task(_loop_lag(app, settings).run_forever()))
    if isinstance(writable := readiness(app).checks.get("writable"), Cached):
        tasks.append(asyncio.create_task(writable.run_forever(settings.ready_write_check_s)))
    app.state[DRAIN_KEY] = stop = Stop()
    tasks.append(asyncio.create_task(stop.watch()))
    if (sampling := app.state[METRICS_KEY].sampler()) is not None:  # several workers
        tasks.append(asyncio.create_task(sampling))
    attach_request_bodies(app)
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await container.close()


def _loop_lag(app: Litestar, settings: Settings) -> LoopLagMonitor:
    metrics: Metrics = app.state[METRICS_KEY]
    warn_s = settings.loop_lag_warn_ms / 1000
    return LoopLagMonitor(metrics.loop_lag.observe, settings.loop_lag_interval_s, warn_s)


def mounts(
    settings: Settings, dialects: Sequence[Dialect]
) -> tuple[list[Router], list[tuple[str, Renderer]]]:
    """Every API surface with the prefix its errors are rendered for: /v1, each dialect's
    mounts, the console."""
    surfaces = [mount for dialect in dialects for mount in dialect.mount(settings)]
    check_prefixes(surfaces)
    routers = [native_router(dialects), *(m.router for m in surfaces)]
    renderers: list[tuple[str, Renderer]] = [("/v1", native_render)]
    renderers += [(m.prefix, m.render) for m in surfaces]
    routers.append(console_router(settings, [k for d in dialects for k in d.keys]))
    renderers.append(("/admin", console_render))
    return routers, renderers


def create_app(container: Container) -> Litestar:
    dialects = installed(container.settings.extra_dialects)
    routers, renderers = mounts(container.settings, dialects)
    app = Litestar(
        route_handlers=[*routers, healthz, readyz, metrics_endpoint],
        exception_handlers=dispatching_handlers(renderers, default=native_render),
        request_max_body_size=container.settings.max_body_bytes,
        openapi_config=openapi_config(container.settings.public_url),
        lifespan=[_background],
        state=State({"container": container, READINESS_KEY: standard_checks(container)}),
        logging_config=None,  # `sessionary serve` configures logging once (observability/logs)
    )
    edge(app, container.settings.http_body_timeout_s)  # HEAD, OPTIONS, body deadline; innermost
    instrument(app)  # metrics and access log; inside the wraps (casino folding copies the scope)
    for dialect in dialects:  # around routing, e.g. the casino's case-insensitive paths
        if dialect.wrap is not None:
            dialect.wrap(app, container.settings)
    # Outermost, so 404/405 answers (decided before any Litestar middleware) carry an id too.
    app.asgi_handler = request_id_middleware(app.asgi_handler)  # type: ignore[arg-type]
    if container.settings.otel:  # around everything, so the request span is every span's parent
        enable_tracing(container)
        trace_requests(app)
    settings = container.settings  # last: every layer above reads the client it resolves
    behind_proxies(app, settings.trusted_proxies, settings.public_url)
    return app
