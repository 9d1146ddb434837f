"""``Client``: the blocking client of the /v1 API."""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Literal, TypeVar

import httpx

from . import _calls as calls
from ._base import (
    DEFAULT_RETRY,
    DEFAULT_TIMEOUT,
    STREAM_READ_TIMEOUT_S,
    StreamState,
    default_headers,
    request_headers,
    root_url,
    stream_timeout,
)
from ._calls import Call, EventLike, Page
from ._errors import ApiError, ConnectionFailed, error_from_response
from ._models import AppendResult, Event, EventPage, Session, SessionPage, StreamEvent
from ._retry import RetryPolicy
from ._sync_admin import SyncAdmin

T = TypeVar("T")


class Client(SyncAdmin):
    """A client of one sessionary server, authenticated by one API key.

    >>> with Client("http://127.0.0.1:8000", "sk_...") as client:  # doctest: +SKIP
    ...     session = client.open_session("user", "u-1", idle_timeout_s=900)
    ...     client.append_events(session.id, [{"type": "click"}])
    ...     client.close_session(session.id)

    Every mutation carries a fresh ``Idempotency-Key``; reads and mutations are retried on
    connection errors, 429 and 503 (see ``RetryPolicy``). Errors raise subclasses of
    ``SessionaryError`` (``NotFound``, ``Conflict``, ``RateLimited``, ...).
    ``transport`` replaces httpx's network transport (e.g. ``httpx.MockTransport`` in tests).
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy = DEFAULT_RETRY,
        headers: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._retry = retry
        self._http = httpx.Client(
            base_url=root_url(base_url),
            headers=default_headers(api_key, headers),
            timeout=timeout,
            transport=transport,
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _run(self, call: Call[T]) -> T:
        headers = request_headers(call)
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._http.request(
                    call.method, call.path, params=call.params, content=call.body, headers=headers
                )
            except httpx.TransportError as exc:
                delay = self._retry.after_transport_error(attempt, exc)
                if delay is None:
                    raise ConnectionFailed(f"{call.method} {call.path} failed: {exc}") from exc
            else:
                if response.is_success:
                    return call.read(response)
                error = error_from_response(response)
                delay = self._retry.after_error(attempt, error)
                if delay is None:
                    raise error
            time.sleep(delay)

    def _pages(self, fetch: Callable[[str | None], Call[Page[T]]]) -> Iterator[T]:
        cursor: str | None = None
        while True:
            page = self._run(fetch(cursor))
            yield from page.items
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    # -- sessions ---------------------------------------------------------------------------

    def open_session(
        self,
        subject_kind: str,
        subject_id: str,
        *,
        scope: str | None = None,
        alias: str | None = None,
        idle_timeout_s: int | None = None,
        max_lifetime_s: int | None = None,
        metered: bool = True,
        state: Mapping[str, Any] | None = None,
        supersede: bool = False,
    ) -> Session:
        """Open a session for the subject ``subject_kind``/``subject_id``.

        ``idle_timeout_s``/``max_lifetime_s`` default to the tenant's policy; ``supersede``
        closes the subject's other live sessions in the same ``scope``."""
        return self._run(
            calls.open_session(
                subject_kind,
                subject_id,
                scope=scope,
                alias=alias,
                idle_timeout_s=idle_timeout_s,
                max_lifetime_s=max_lifetime_s,
                metered=metered,
                state=dict(state or {}),
                supersede=supersede,
            )
        )

    def get_session(self, session_id: str) -> Session:
        """One session; ``NotFound`` for an unknown (or deleted, or another tenant's) id."""
        return self._run(calls.get_session(session_id))

    def list_sessions(
        self,
        *,
        status: str | None = None,
        subject_kind: str | None = None,
        subject_id: str | None = None,
        scope: str | None = None,
        opened_from: datetime | None = None,
        opened_to: datetime | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> SessionPage:
        """One page of sessions, newest first; pass ``next_cursor`` back as ``cursor``."""
        return self._run(
            calls.list_sessions(
                cursor,
                limit,
                status=status,
                subject_kind=subject_kind,
                subject_id=subject_id,
                scope=scope,
                opened_from=opened_from,
                opened_to=opened_to,
            )
        )

    def iter_sessions(
        self,
        *,
        status: str | None = None,
        subject_kind: str | None = None,
        subject_id: str | None = None,
        scope: str | None = None,
        opened_from: datetime | None = None,
        opened_to: datetime | None = None,
        page_size: int = 500,
    ) -> Iterator[Session]:
        """Every matching session, newest first, fetching pages of ``page_size`` as needed."""
        filters = {
            "status": status,
            "subject_kind": subject_kind,
            "subject_id": subject_id,
            "scope": scope,
            "opened_from": opened_from,
            "opened_to": opened_to,
        }
        return self._pages(lambda cursor: calls.list_sessions(cursor, page_size, **filters))

    def extend_session(self, session_id: str, ttl_s: int | None = None) -> Session:
        """Expiry := now + ``ttl_s`` (default: the idle timeout), never past the max lifetime."""
        return self._run(calls.extend_session(session_id, ttl_s))

    def close_session(
        self, session_id: str, *, reason: Literal["client", "admin"] = "client"
    ) -> Session:
        """Close once; closing again raises ``SessionNotActive`` (a ``Conflict``)."""
        return self._run(calls.close_session(session_id, reason))

    def delete_session(self, session_id: str) -> Session:
        """Stop the meter and drop the events; afterwards the id answers ``NotFound``."""
        return self._run(calls.delete_session(session_id))

    def close_subject_sessions(
        self, subject_kind: str, subject_id: str, *, scope: str | None = None
    ) -> list[Session]:
        """Close every live session of a subject (in one ``scope``, or in all); the closed ones."""
        return self._run(calls.close_subject_sessions(subject_kind, subject_id, scope)).closed

    # -- events -----------------------------------------------------------------------------

    def append_events(
        self, session_id: str, events: Iterable[EventLike], *, batch_size: int = 5000
    ) -> AppendResult:
        """Append events (``NewEvent`` or dicts with ``type``, ``payload``, ``dedupe_key``,
        ``occurred_at``), ``batch_size`` per request; each batch is atomic on its own.

        Every event is checked before the first request (a bad one raises ``ValueError``).
        Repeated ``dedupe_key``s come back in ``duplicates``."""
        batches = calls.event_batches(events, batch_size)
        return calls.merge_appends([self._run(calls.append_events(session_id, b)) for b in batches])

    def read_events(
        self,
        session_id: str,
        *,
        from_seq: int = 1,
        to_seq: int | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> EventPage:
        """One page of events in sequence order, ``from_seq``..``to_seq`` inclusive."""
        return self._run(calls.read_events(session_id, from_seq, to_seq, cursor, limit))

    def iter_events(
        self, session_id: str, *, from_seq: int = 1, to_seq: int | None = None, page_size: int = 500
    ) -> Iterator[Event]:
        """Every event of a session in sequence order, fetching pages as needed."""
        return self._pages(
            lambda cursor: calls.read_events(session_id, from_seq, to_seq, cursor, page_size)
        )

    def stream_events(
        self,
        *,
        after: int | None = None,
        session_id: str | None = None,
        types: Sequence[str] | None = None,
        read_timeout: float = STREAM_READ_TIMEOUT_S,
    ) -> Generator[StreamEvent, None, None]:
        """The live lifecycle stream (``GET /v1/events``), endless: iterate and ``break``.

        Starts after event id ``after`` (0: from the oldest record kept; default: from now);
        ``session_id`` and ``types`` (``opened``, ``closed``, ...) narrow it.

        When the connection drops, or nothing (not even a keepalive) arrives for
        ``read_timeout`` seconds, it reconnects with ``Last-Event-ID`` so no event is lost
        or repeated; ``ConnectionFailed`` once reconnecting fails more often in a row than
        the retry policy allows."""
        state = StreamState(self._retry, after)
        params = calls.stream_params(session_id, types)
        while True:
            ended: Exception | None
            try:
                ended = yield from self._stream_once(state, params, read_timeout)
            except httpx.TransportError as exc:
                ended = exc
            time.sleep(state.reconnect_delay(ended))

    def _stream_once(
        self, state: StreamState, params: httpx.QueryParams, read_timeout: float
    ) -> Generator[StreamEvent, None, ApiError | None]:
        """One connection: its events, then why it ended (an error answer, or None)."""
        headers = calls.stream_headers(state.last_id)
        timeout = stream_timeout(read_timeout)
        with self._http.stream(
            "GET", "/v1/events", params=params, headers=headers, timeout=timeout
        ) as response:
            if not response.is_success:
                response.read()
                return error_from_response(response)
            state.connected()
            for line in response.iter_lines():
                event = state.feed(line)
                if event is not None:
                    yield event
        return None
