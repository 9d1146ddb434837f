"""The live event stream: SSE parsing, and resuming after a dropped connection."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import msgspec
import pytest

from sessionary.client import (
    AsyncClient,
    Client,
    ConnectionFailed,
    RetryPolicy,
    StreamEvent,
    StreamProtocolError,
    Unauthenticated,
)
from sessionary.client._sse import SSEDecoder

from .conftest import FAST_RETRY, TenantKey
from .server import Server


def test_the_decoder_follows_the_event_stream_format() -> None:
    decoder = SSEDecoder()
    lines = [": keepalive", "retry: 250", "id: 7", "event: closed", "data: a", "data:b", ""]
    dispatched = [decoder.feed(line) for line in lines]
    assert dispatched[:-1] == [None] * 6
    last = dispatched[-1]
    assert last is not None and (last.id, last.event, last.data) == ("7", "closed", "a\nb")
    assert decoder.retry_ms == 250
    assert decoder.feed("") is None  # a blank line with nothing before it dispatches nothing
    assert decoder.feed("data") is None and decoder.feed("") is not None


def _record(event_id: int, kind: str = "opened") -> bytes:
    data: dict[str, object] = {
        "id": str(event_id),
        "type": kind,
        "occurred_at": "2030-01-01T00:00:00Z",
        "session_id": f"ses_{event_id}",
        "reason": None,
        "data": {},
    }
    body = msgspec.json.encode(data).decode()
    return f"id: {event_id}\r\nevent: {kind}\r\ndata: {body}\r\n\r\n".encode()


KEEPALIVE = b": keepalive\r\ndata: \r\n\r\n"


class FakeStream:
    """Each connection plays one script: byte chunks, then optionally a dropped connection."""

    def __init__(self, scripts: list[tuple[int, list[bytes], Exception | None]]) -> None:
        self.scripts = scripts
        self.requests: list[httpx.Request] = []

    def _next(self, request: httpx.Request) -> tuple[int, list[bytes], Exception | None]:
        self.requests.append(request)
        return self.scripts.pop(0)

    def handle(self, request: httpx.Request) -> httpx.Response:
        status, chunks, failure = self._next(request)

        def body() -> Iterator[bytes]:
            yield from chunks
            if failure is not None:
                raise failure

        headers = {"content-type": "text/event-stream"}
        if status != 200:
            return httpx.Response(status, json={"detail": "no"}, headers=None)
        return httpx.Response(status, content=body(), headers=headers)

    async def handle_async(self, request: httpx.Request) -> httpx.Response:
        status, chunks, failure = self._next(request)

        async def body() -> AsyncIterator[bytes]:
            for chunk in chunks:
                yield chunk
            if failure is not None:
                raise failure

        return httpx.Response(status, content=body(), headers={"content-type": "text/event-stream"})

    def last_event_ids(self) -> list[str | None]:
        return [r.headers.get("last-event-id") for r in self.requests]


def _client(fake: FakeStream, retry: RetryPolicy = FAST_RETRY) -> Client:
    return Client("http://fake", "sk", retry=retry, transport=httpx.MockTransport(fake.handle))


def test_a_dropped_stream_resumes_after_the_last_event_seen() -> None:
    fake = FakeStream(
        [
            (200, [b"retry: 1\r\n", _record(1) + KEEPALIVE, _record(2)[:20]], None),
            (200, [_record(2, "closed"), _record(3)], httpx.ReadError("reset")),
            (200, [KEEPALIVE, _record(4, "expired")], None),
        ]
    )
    with _client(fake) as client:
        stream = client.stream_events(session_id="ses_1", types=["opened", "closed"])
        got = [next(stream) for _ in range(4)]
        stream.close()
    assert [(e.id, e.type) for e in got] == [
        ("1", "opened"),
        ("2", "closed"),
        ("3", "opened"),
        ("4", "expired"),
    ]
    assert fake.last_event_ids() == [None, "1", "3"]
    query = fake.requests[0].url.params
    assert query.get("session_id") == "ses_1" and query.get_list("type") == ["opened", "closed"]


def test_the_stream_starts_after_the_given_id_and_gives_up_after_the_policy() -> None:
    drop = httpx.ReadTimeout("quiet")
    fake = FakeStream([(200, [], drop), (200, [], drop), (200, [], drop)])
    client = _client(fake, RetryPolicy(attempts=3, backoff_s=0.001))
    with client, pytest.raises(ConnectionFailed) as info:
        next(client.stream_events(after=41))
    assert fake.last_event_ids() == ["41", "41", "41"]
    assert isinstance(info.value.__cause__, httpx.ReadTimeout)


def test_a_refused_stream_raises_and_a_broken_record_is_reported() -> None:
    with _client(FakeStream([(401, [], None)])) as client, pytest.raises(Unauthenticated):
        next(client.stream_events())
    broken = FakeStream([(200, [b"id: 1\ndata: {not json}\n\n"], None)])
    with _client(broken) as client, pytest.raises(StreamProtocolError):
        next(client.stream_events())


async def test_the_async_stream_resumes_too() -> None:
    fake = FakeStream(
        [(200, [_record(1)], httpx.RemoteProtocolError("cut")), (200, [_record(2)], None)]
    )
    transport = httpx.MockTransport(fake.handle_async)
    async with AsyncClient("http://fake", "sk", retry=FAST_RETRY, transport=transport) as client:
        got: list[StreamEvent] = []
        async for event in client.stream_events(after=0):
            got.append(event)
            if len(got) == 2:
                break
    assert [e.id for e in got] == ["1", "2"] and fake.last_event_ids() == ["0", "1"]


class CutAfterFirstRecord(httpx.BaseTransport):
    """The real server's stream, with the first connection dropped after its first record."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.streams: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.url.path != "/v1/events":
            return response
        self.streams.append(request)
        if len(self.streams) > 1:
            return response
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=_Cut(response),
            request=request,
        )

    def close(self) -> None:
        self.inner.close()


class _Cut(httpx.SyncByteStream):
    def __init__(self, response: httpx.Response) -> None:
        self.response = response

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.response.iter_raw():
            yield chunk
            if b"data: {" in chunk:
                raise httpx.ReadError("connection dropped by the test")

    def close(self) -> None:
        self.response.close()


def test_the_real_stream_resumes_after_a_dropped_connection(
    server: Server, tenant_key: TenantKey
) -> None:
    cutter = CutAfterFirstRecord()
    with Client(server.url, tenant_key.key, retry=FAST_RETRY, transport=cutter) as client:
        first = client.open_session("user", "u-1")
        client.close_session(first.id)
        second = client.open_session("user", "u-2")
        stream = client.stream_events(after=0)
        got = [next(stream) for _ in range(3)]
        stream.close()
    assert [(e.type, e.session_id) for e in got] == [
        ("opened", first.id),
        ("closed", first.id),
        ("opened", second.id),
    ]
    assert len({e.id for e in got}) == 3
    assert [r.headers.get("last-event-id") for r in cutter.streams] == ["0", got[0].id]
