"""Optional OpenTelemetry traces: a server span per HTTP request, a client span per database
statement under it (``storage/tracing.py``).

Off unless ``SESSIONARY_OTEL=true``; then the ``otel`` extra must be installed
(``pip install 'sessionary[otel]'``), or the server refuses to start with a message saying
so (``TracingUnavailable``). Everything else is OpenTelemetry's own configuration, from the
standard variables: ``OTEL_SERVICE_NAME`` (default ``sessionary``), ``OTEL_RESOURCE_ATTRIBUTES``,
``OTEL_TRACES_SAMPLER``, ``OTEL_EXPORTER_OTLP_*`` and ``OTEL_TRACES_EXPORTER`` (``otlp``,
the default, over HTTP/protobuf; ``console``; ``none``). OpenTelemetry is imported only
here and only when tracing is on, so the server without it pays nothing. Nor may this module
import prometheus_client at import time (``sessionary serve`` imports it before the workers
start: see multiproc.py)."""

from __future__ import annotations

import os
from typing import Any

from litestar import Litestar

EXTRA_MISSING = (
    "SESSIONARY_OTEL is on but OpenTelemetry is not installed: "
    "pip install 'sessionary[otel]' (or unset SESSIONARY_OTEL)"
)

_PROVIDER: Any = None  # this process's TracerProvider, made on first use


class TracingUnavailable(RuntimeError):
    """Tracing is on and the ``otel`` extra is missing."""


def require() -> None:
    """Fail now, with a message an operator can act on, when the extra is missing."""
    try:
        import opentelemetry.instrumentation.asgi
        import opentelemetry.sdk.trace  # noqa: F401
    except ImportError as exc:
        raise TracingUnavailable(EXTRA_MISSING) from exc


def use_provider(provider: Any) -> None:
    """Trace into ``provider`` (tests, or an application embedding the server)."""
    global _PROVIDER
    _PROVIDER = provider


def tracer_provider() -> Any:
    global _PROVIDER
    if _PROVIDER is None:
        require()
        _PROVIDER = _configured_provider()
    return _PROVIDER


def _configured_provider() -> Any:
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    from .runtime import package_version  # not at import: serve imports this module early

    defaults = {"service.name": "sessionary", "service.version": package_version()}
    provider = TracerProvider(resource=Resource.create(defaults))  # OTEL_* override defaults
    exporter = _exporter(os.environ.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower())
    if exporter is not None:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def _exporter(name: str) -> Any:
    if name == "none":
        return None
    if name == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter()
    if name != "otlp":
        supported = "otlp, console, none"
        raise TracingUnavailable(f"OTEL_TRACES_EXPORTER={name} is not supported: {supported}")
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter()


def trace_requests(app: Litestar) -> None:
    """Wrap the app (outermost: every request, a 404 too) in OpenTelemetry's ASGI middleware,
    which continues a caller's ``traceparent``. The span is renamed to the route template once
    routing has found it (``GET /v1/sessions/{session_id}``), never the raw path."""
    from opentelemetry import trace
    from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
    from opentelemetry.util.http import get_excluded_urls

    inner = app.asgi_handler

    async def named(scope: Any, receive: Any, send: Any) -> None:
        if scope.get("type") != "http":
            await inner(scope, receive, send)
            return

        async def renaming(message: Any) -> None:
            # Routing is done by the time the answer starts; the span ends with its last byte.
            if message["type"] == "http.response.start" and (route := scope.get("path_template")):
                span = trace.get_current_span()
                span.update_name(f"{scope['method']} {route}")
                span.set_attribute("http.route", route)
            await send(message)

        await inner(scope, receive, renaming)

    app.asgi_handler = OpenTelemetryMiddleware(  # type: ignore[assignment]
        named,
        excluded_urls=get_excluded_urls("ASGI"),  # OTEL_PYTHON_[ASGI_]EXCLUDED_URLS
        tracer_provider=tracer_provider(),
        default_span_details=_span_details,
        exclude_spans=["receive", "send"],  # one span per request, not one per body chunk
    )


def _span_details(scope: Any) -> tuple[str, dict[str, Any]]:
    """The name before routing: the method only, so no raw path (ids) reaches a span name."""
    return str(scope.get("method", scope.get("type", "request"))), {}
