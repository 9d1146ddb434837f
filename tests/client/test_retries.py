"""Retries: a lost answer lands once thanks to the Idempotency-Key; backoff is bounded."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from sessionary.client import (
    AsyncClient,
    Client,
    ConnectionFailed,
    NotFound,
    RateLimited,
    RetryPolicy,
    ServiceUnavailable,
)

from .conftest import FAST_RETRY, TenantKey
from .server import Server


class LoseFirstAnswer(httpx.BaseTransport):
    """Forwards every request to the server, but drops the answer to the first mutation."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.seen: list[httpx.Request] = []
        self.replayed: list[str | None] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.method == "GET":
            return response
        self.seen.append(request)
        response.read()
        self.replayed.append(response.headers.get("idempotent-replayed"))
        if len(self.seen) == 1:
            response.close()
            raise httpx.ReadError("connection reset before the answer arrived", request=request)
        return response

    def close(self) -> None:
        self.inner.close()


class AsyncLoseFirstAnswer(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.seen: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method == "GET":
            return response
        self.seen.append(request)
        await response.aread()
        if len(self.seen) == 1:
            await response.aclose()
            raise httpx.ReadError("connection reset before the answer arrived", request=request)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def _keys(requests: list[httpx.Request]) -> list[str | None]:
    return [r.headers.get("idempotency-key") for r in requests]


def test_an_open_whose_answer_is_lost_lands_exactly_once(
    server: Server, tenant_key: TenantKey
) -> None:
    lossy = LoseFirstAnswer()
    with Client(server.url, tenant_key.key, retry=FAST_RETRY, transport=lossy) as client:
        opened = client.open_session("user", "u-1")
        assert [s.id for s in client.iter_sessions()] == [opened.id]
    [first, second] = _keys(lossy.seen)
    assert first and first == second
    assert lossy.replayed == [None, "true"]


def test_an_append_whose_answer_is_lost_stores_the_events_once(
    server: Server, tenant_key: TenantKey
) -> None:
    with Client(server.url, tenant_key.key, retry=FAST_RETRY) as plain:
        sid = plain.open_session("user", "u-1").id
    lossy = LoseFirstAnswer()
    with Client(server.url, tenant_key.key, retry=FAST_RETRY, transport=lossy) as client:
        result = client.append_events(sid, [{"type": "a"}, {"type": "b"}])
        assert (result.accepted, result.last_seq) == (2, 2)
        assert client.get_session(sid).event_count == 2


async def test_the_async_client_retries_a_lost_close_once(
    server: Server, tenant_key: TenantKey
) -> None:
    lossy = AsyncLoseFirstAnswer()
    async with AsyncClient(server.url, tenant_key.key, retry=FAST_RETRY) as plain:
        sid = (await plain.open_session("user", "u-1")).id
    async with AsyncClient(server.url, tenant_key.key, retry=FAST_RETRY, transport=lossy) as c:
        closed = await c.close_session(sid)  # without the key the retry would be a 409
        assert closed.status == "closed"
    [first, second] = _keys(lossy.seen)
    assert first and first == second


def _mock(
    answers: list[httpx.Response | Exception], seen: list[httpx.Request]
) -> Callable[[httpx.Request], httpx.Response]:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return handle


def _fake(answers: list[httpx.Response | Exception], seen: list[httpx.Request]) -> Client:
    transport = httpx.MockTransport(_mock(answers, seen))
    return Client("http://fake", "sk_test", retry=FAST_RETRY, transport=transport)


SESSION = {
    "id": "ses_1",
    "status": "active",
    "subject": {"kind": "u", "id": "1"},
    "scope": None,
    "alias": None,
    "opened_at": "2030-01-01T00:00:00Z",
    "last_activity_at": "2030-01-01T00:00:00Z",
    "expires_at": None,
    "closed_at": None,
    "close_reason": None,
    "billed_minutes": 0,
    "metered": True,
    "idle_timeout_s": None,
    "max_lifetime_s": None,
    "state": {},
    "event_count": 0,
    "version": 1,
    "dialect": "native",
}
UNAVAILABLE = httpx.Response(503, json={"type": "urn:sessionary:problem:storage-unavailable"})


def test_503_and_connection_errors_are_retried_with_the_same_key() -> None:
    seen: list[httpx.Request] = []
    answers: list[httpx.Response | Exception] = [
        httpx.ConnectError("refused"),
        UNAVAILABLE,
        httpx.Response(201, json=SESSION),
    ]
    with _fake(answers, seen) as client:
        assert client.open_session("u", "1").id == "ses_1"
    assert len(seen) == 3 and len(set(_keys(seen))) == 1
    assert seen[0].headers["authorization"] == "Bearer sk_test"


def test_every_call_gets_its_own_key_and_reads_none() -> None:
    seen: list[httpx.Request] = []
    answers: list[httpx.Response | Exception] = [
        httpx.Response(201, json=SESSION),
        httpx.Response(200, json=SESSION),
        httpx.Response(200, json=SESSION),
    ]
    with _fake(answers, seen) as client:
        client.open_session("u", "1")
        client.close_session("ses_1")
        client.get_session("ses_1")
    keys = _keys(seen)
    assert keys[0] != keys[1] and None not in keys[:2] and keys[2] is None


def test_retries_are_bounded_and_end_in_connection_failed() -> None:
    seen: list[httpx.Request] = []
    client = _fake([httpx.ConnectError("refused")] * 4, seen)
    with client, pytest.raises(ConnectionFailed) as info:
        client.get_session("ses_1")
    assert len(seen) == 4 and isinstance(info.value.__cause__, httpx.ConnectError)
    with _fake([UNAVAILABLE] * 4, seen := []) as client, pytest.raises(ServiceUnavailable):
        client.get_session("ses_1")
    assert len(seen) == 4


def test_answers_about_the_request_are_not_retried() -> None:
    seen: list[httpx.Request] = []
    answers: list[httpx.Response | Exception] = [httpx.Response(404, json={"detail": "no"})]
    with _fake(answers, seen) as client, pytest.raises(NotFound):
        client.get_session("ses_1")
    assert len(seen) == 1


def test_a_key_still_in_progress_and_a_429_are_waited_out() -> None:
    seen: list[httpx.Request] = []
    in_progress = {"type": "urn:sessionary:problem:idempotency-key-in-progress"}
    answers: list[httpx.Response | Exception] = [
        httpx.Response(409, json=in_progress),
        httpx.Response(429, json={}, headers={"Retry-After": "0"}),
        httpx.Response(200, json=SESSION),
    ]
    with _fake(answers, seen) as client:
        assert client.close_session("ses_1").id == "ses_1"
    assert len(seen) == 3 and len(set(_keys(seen))) == 1


def test_no_retry_raises_the_first_429() -> None:
    seen: list[httpx.Request] = []
    answers: list[httpx.Response | Exception] = [
        httpx.Response(429, json={}, headers={"Retry-After": "3"})
    ]
    transport = httpx.MockTransport(_mock(answers, seen))
    client = Client("http://fake/v1/", "sk", retry=RetryPolicy(attempts=1), transport=transport)
    with client, pytest.raises(RateLimited) as info:
        client.list_sessions()
    assert info.value.retry_after == 3.0 and str(seen[0].url) == "http://fake/v1/sessions"


def test_backoff_grows_with_jitter_up_to_its_cap() -> None:
    policy = RetryPolicy(backoff_s=0.2, max_backoff_s=1.0)
    for attempt, cap in [(1, 0.2), (2, 0.4), (3, 0.8), (4, 1.0), (9, 1.0)]:
        delays = {policy.backoff(attempt) for _ in range(50)}
        assert all(cap / 2 <= d <= cap for d in delays) and len(delays) > 1
    with pytest.raises(ValueError):
        RetryPolicy(attempts=0)


def test_a_bad_base_url_or_key_is_refused_up_front() -> None:
    with pytest.raises(ValueError, match="base_url"):
        Client("127.0.0.1:8000", "sk")
    with pytest.raises(ValueError, match="api_key"):
        Client("http://127.0.0.1:8000", "")
