"""GET /v1/events: the tenant's lifecycle records as server-sent events, live.

Each message is ``id: <event id>``, ``event: <type>``, ``data: <JSON record>``. A client that
reconnects with ``Last-Event-ID`` (browsers do it by themselves) continues right after that
record, from the same durable records webhooks deliver: no gap, no duplicate."""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator
from typing import Annotated, Any

import msgspec
from litestar import get
from litestar.params import Parameter
from litestar.response import Stream
from prometheus_client import Gauge

from ...domain.errors import InvalidInput
from ...domain.model import LifecycleRecord, Principal
from ...domain.scopes import SESSIONS_READ
from ...domain.webhooks import EVENT_TYPES
from ...observability.instrument import STATE_KEY as METRICS_KEY
from ...services.registry import Services
from ...services.stream import LifecycleStream, Position, record_body
from ..bounds import event_id
from ..deps import AnyRequest, tenant_of
from ..draining import DRAIN_KEY, Stop
from ..params import PositionQuery
from .webhook_structs import StreamEventOut

PAGE = 500
_encode = msgspec.json.Encoder().encode


def stream_event(record: LifecycleRecord) -> StreamEventOut:
    """The record as webhook bodies carry it (services/stream.py), without ``webhook_id``."""
    return StreamEventOut(**record_body(record))


def _resume_id(request: AnyRequest, after: int | None) -> int | None:
    header = request.headers.get("last-event-id")
    if header is None or header.strip() == "":
        return after
    return event_id(header, "Last-Event-ID")


def message(record: LifecycleRecord) -> bytes:
    """One SSE message; the JSON has no newline, so it is a single ``data:`` line."""
    head = f"id: {record.id}\nevent: {record.type}\ndata: ".encode()
    return head + _encode(stream_event(record)) + b"\n\n"


async def _messages(
    reader: LifecycleStream,
    tenant_pk: int,
    position: Position,
    filters: tuple[list[str] | None, str | None],
    poll_s: float,
    keepalive_s: float,
    stop: Stop,
) -> AsyncGenerator[bytes, None]:
    yield b"retry: 1000\n\n"  # EventSource reconnects after 1 s, sending Last-Event-ID
    quiet_since = time.monotonic()
    while True:
        records = await reader.page(tenant_pk, position, PAGE, *filters)
        for record in records:
            yield message(record)
        if records:
            position = (records[-1].tx, records[-1].id or 0)
            quiet_since = time.monotonic()
            continue
        if time.monotonic() - quiet_since >= keepalive_s:
            yield b": keepalive\n\n"  # a comment only: no empty event for the client
            quiet_since = time.monotonic()
        if await stop.within(poll_s):
            # The server stops: end the response cleanly, so the client reconnects (to
            # another node) with the Last-Event-ID of the last message it got.
            return


async def counted(
    messages: AsyncGenerator[bytes, None], gauge: Gauge
) -> AsyncGenerator[bytes, None]:
    """The stream, counted in the open-streams gauge from its first byte until it ends (the
    client went away, or the server stops)."""
    gauge.inc()
    try:
        async for chunk in messages:
            yield chunk
    finally:
        gauge.dec()
        await messages.aclose()


@get("/events", opt={"scope": SESSIONS_READ}, tags=["events"])
async def stream_events(
    request: AnyRequest,
    c: Services,
    principal: Principal,
    after: PositionQuery = None,
    session_id: str | None = None,
    type_: Annotated[list[str] | None, Parameter(query="type")] = None,
) -> Stream:
    """Live lifecycle records (opened, closed, extended, expired, deleted, work_…).

    Starts after ``Last-Event-ID`` (header) or ``after`` (query; 0 = from the first record
    kept), else with records written from now on. ``session_id`` and repeated ``type``
    narrow it. A ``: keepalive`` comment is sent when the stream has been quiet a while."""
    if type_ and not set(type_) <= EVENT_TYPES:
        raise InvalidInput("unknown event type", field="type", allowed=sorted(EVENT_TYPES))
    tenant_pk = tenant_of(principal)
    reader = c.stream
    position = await reader.start(tenant_pk, _resume_id(request, after))
    settings = c.settings
    messages = _messages(
        reader,
        tenant_pk,
        position,
        (type_, session_id),
        settings.stream_poll_s,
        settings.stream_keepalive_s,
        request.app.state.get(DRAIN_KEY) or Stop(),
    )
    messages = counted(messages, request.app.state[METRICS_KEY].streams)
    return Stream(
        messages,
        media_type="text/event-stream; charset=utf-8",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


ROUTES: list[Any] = [stream_events]
