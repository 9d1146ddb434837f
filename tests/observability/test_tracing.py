"""The ``otel`` extra: a span for each HTTP request and, under it, one for each database
statement, exported here to memory; and a clear refusal when it is on but not installed."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from typer.testing import CliRunner

from sessionary.bootstrap import Container, build
from sessionary.cli import app as cli_app
from sessionary.config import Settings
from sessionary.http.app import create_app
from sessionary.observability import tracing
from tests.conftest import Api

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        sweep_interval_s=0,
        webhook_interval_s=0,
        environment="test",
        otel=True,
    )


@pytest.fixture(autouse=True)
def exported() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.use_provider(provider)
    yield exporter
    tracing.use_provider(None)
    provider.shutdown()


def server_span(spans: tuple[ReadableSpan, ...], name: str) -> ReadableSpan:
    found = [s for s in spans if s.kind is SpanKind.SERVER and s.name == name]
    assert len(found) == 1, [(s.name, s.kind) for s in spans]
    return found[0]


async def test_a_request_is_a_server_span_with_its_database_statements_as_children(
    api: Api, container: Container, exported: InMemorySpanExporter
) -> None:
    exported.clear()
    body = {"subject": {"kind": "user", "id": "u-1"}}
    response = await api.client.post("/v1/sessions", json=body, headers=api.headers)
    assert response.status_code == 201
    spans = exported.get_finished_spans()
    server = server_span(spans, "POST /v1/sessions")
    assert server.attributes is not None and server.attributes["http.route"] == "/v1/sessions"
    statements = [s for s in spans if s.kind is SpanKind.CLIENT]
    assert statements, [s.name for s in spans]
    assert server.context is not None
    for span in statements:
        assert span.parent is not None and span.parent.span_id == server.context.span_id
        assert span.context is not None and span.context.trace_id == server.context.trace_id
    system = "sqlite" if container.settings.is_sqlite else "postgresql"
    assert all(s.attributes and s.attributes["db.system"] == system for s in statements)


async def test_a_callers_traceparent_is_continued_and_no_raw_path_names_a_span(
    api: Api, exported: InMemorySpanExporter
) -> None:
    exported.clear()
    headers = {**api.headers, "traceparent": f"00-{TRACE_ID}-00f067aa0ba902b7-01"}
    response = await api.client.get("/v1/sessions/ses_unknown", headers=headers)
    assert response.status_code == 404
    server = server_span(exported.get_finished_spans(), "GET /v1/sessions/{session_id}")
    assert server.context is not None and f"{server.context.trace_id:032x}" == TRACE_ID
    assert all("ses_unknown" not in s.name for s in exported.get_finished_spans())


def test_tracing_on_without_the_extra_is_refused_with_the_install_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "opentelemetry.sdk.trace", None)  # import fails
    monkeypatch.setenv("SESSIONARY_OTEL", "true")
    monkeypatch.setenv("SESSIONARY_DATABASE_URL", "sqlite:///./never-created.db")
    result = CliRunner().invoke(cli_app, ["serve", "--port", "1"])
    assert result.exit_code == 1
    assert "pip install 'sessionary[otel]'" in " ".join(result.output.split())  # wrapped
    with pytest.raises(tracing.TracingUnavailable, match="sessionary\\[otel\\]"):
        tracing.require()


async def test_urls_excluded_by_the_standard_variable_get_no_span(
    database_url: str, exported: InMemorySpanExporter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_PYTHON_EXCLUDED_URLS", "healthz,metrics")
    settings = Settings(database_url=database_url, environment="test", otel=True)
    container = build(settings)
    app = create_app(container)
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        assert (await client.get("/healthz")).status_code == 200
        assert (await client.get("/readyz")).status_code == 200
    await container.close()
    names = [s.name for s in exported.get_finished_spans() if s.kind is SpanKind.SERVER]
    assert names == ["GET /readyz"]
