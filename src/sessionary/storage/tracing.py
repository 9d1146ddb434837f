"""A client span for each database statement, under the span current when it runs (the
request's, when tracing is on: observability/tracing.py).

SQLAlchemy's cursor events, so it covers both engines alike; on asyncpg the statement runs in
SQLAlchemy's greenlet, which carries the calling task's context, so the request span is the
parent. The statement text goes into ``db.statement``: the statements are this package's own,
with bound parameters, so no value a client sent is recorded. SQLite's BEGIN and COMMIT go to
the driver directly (database.py) and have no span."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from .database import Database

_SPAN = "_sessionary_span"


def trace_statements(database: Database, tracer: Any) -> None:
    """Once per database, however many apps are built on it."""
    if getattr(database, "traced", False):
        return
    database.traced = True
    engine = database.sync_engine
    system = "sqlite" if engine.dialect.name == "sqlite" else "postgresql"

    def before(conn: Any, cursor: Any, statement: str, params: Any, ctx: Any, many: bool) -> None:
        from opentelemetry.trace import SpanKind

        verb = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "SQL"
        attributes = {"db.system": system, "db.statement": statement[:4000]}
        span = tracer.start_span(verb, kind=SpanKind.CLIENT, attributes=attributes)
        if ctx is not None:
            setattr(ctx, _SPAN, span)

    def after(conn: Any, cursor: Any, statement: str, params: Any, ctx: Any, many: bool) -> None:
        span = getattr(ctx, _SPAN, None)
        if span is not None:
            span.end()

    def failed(exception_context: Any) -> None:
        from opentelemetry.trace import Status, StatusCode

        span = getattr(exception_context.execution_context, _SPAN, None)
        if span is not None:
            # The exception's class only: a driver's message may quote a value that was sent.
            kind = type(exception_context.original_exception).__name__
            span.set_status(Status(StatusCode.ERROR, kind))
            span.end()

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    event.listen(engine, "handle_error", failed)
