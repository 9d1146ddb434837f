"""problem+json answers become exceptions carrying their fields (real server and fakes)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest

from sessionary.client import (
    NO_RETRY,
    ApiError,
    BadRequest,
    Client,
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
    RetryPolicy,
    ServerError,
    SessionaryError,
    Unauthenticated,
)
from sessionary.client._errors import error_from_response, parse_retry_after

from .conftest import FAST_RETRY, TenantKey
from .server import Server, serving


def test_an_unknown_id_raises_not_found_with_the_problem_fields(sync_client: Client) -> None:
    with pytest.raises(NotFound) as info:
        sync_client.get_session("ses_doesnotexist")
    err = info.value
    assert (err.status, err.code, err.type) == (
        404,
        "session-not-found",
        "urn:sessionary:problem:session-not-found",
    )
    assert err.title == "Not Found" and err.detail and err.request_id
    assert str(err).startswith("404 session-not-found: ")
    assert isinstance(err, ApiError) and isinstance(err, SessionaryError)


def test_an_unknown_key_raises_unauthenticated(server: Server) -> None:
    client = Client(server.url, "sk_not_a_key", retry=FAST_RETRY)
    with client, pytest.raises(Unauthenticated) as info:
        client.list_sessions()
    assert info.value.status == 401 and "sk_not_a_key" not in str(info.value)


def test_a_key_without_the_scope_raises_forbidden(sync_client: Client, server: Server) -> None:
    reader = sync_client.create_credential(["sessions:read"]).secret
    with Client(server.url, reader, retry=FAST_RETRY) as client, pytest.raises(Forbidden):
        client.open_session("user", "u-1")
    assert list(sync_client.iter_sessions()) == []


def test_bad_values_raise_invalid_input_and_bad_parameters_bad_request(
    sync_client: Client,
) -> None:
    with pytest.raises(InvalidInput) as info:
        sync_client.open_session("user", "u-1", idle_timeout_s=0)
    assert info.value.status == 422
    with pytest.raises(InvalidInput, match="cursor"):
        sync_client.list_sessions(cursor="forged!")
    with pytest.raises(BadRequest) as bad:
        sync_client.list_sessions(limit=0)
    assert (bad.value.status, bad.value.code) == (400, "invalid-parameter")
    assert list(sync_client.iter_sessions()) == []


def limited(server: Server, log: Path, per_s: str) -> Iterator[Server]:
    """A second node on the same database, with a burst of one call and a refill of per_s."""
    env = {"SESSIONARY_RATE_LIMIT_PER_S": per_s, "SESSIONARY_RATE_LIMIT_BURST": "1"}
    with serving(server.database_url, log, env, server.operator_key) as srv:
        yield srv


@pytest.fixture
def limited_server(server: Server, tmp_path: Path) -> Iterator[Server]:
    """One call per second: a refused call lands after its Retry-After of 1 s."""
    yield from limited(server, tmp_path / "limited.log", "1")


@pytest.fixture
def starved_server(server: Server, tmp_path: Path) -> Iterator[Server]:
    """One call per 100 s: a second call is refused however slow the machine is."""
    yield from limited(server, tmp_path / "starved.log", "0.01")


def test_a_rate_limited_call_waits_retry_after_then_lands(
    limited_server: Server, tenant_key: TenantKey
) -> None:
    with Client(limited_server.url, tenant_key.key, retry=FAST_RETRY) as client:
        first = client.open_session("user", "u-1")
        second = client.open_session("user", "u-2")  # 429 Retry-After: 1, then lands
        assert [s.id for s in client.iter_sessions()] == [second.id, first.id]


def test_a_refused_call_without_retries_raises_rate_limited_with_retry_after(
    starved_server: Server, tenant_key: TenantKey
) -> None:
    with Client(starved_server.url, tenant_key.key, retry=NO_RETRY) as client:
        client.list_sessions()
        with pytest.raises(RateLimited) as info:
            client.list_sessions()
    assert info.value.status == 429 and info.value.retry_after is not None
    assert info.value.retry_after >= 1


def test_a_retry_after_over_the_policy_is_raised_at_once(
    starved_server: Server, tenant_key: TenantKey
) -> None:
    impatient = RetryPolicy(attempts=5, max_retry_after_s=0.5)
    with Client(starved_server.url, tenant_key.key, retry=impatient) as client:
        client.list_sessions()
        with pytest.raises(RateLimited):
            client.list_sessions()


def _response(status: int, body: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
    request = httpx.Request("GET", "http://x/v1/sessions")
    return httpx.Response(status, content=body, headers=headers, request=request)


def test_an_answer_that_is_not_problem_json_still_maps_by_status() -> None:
    err = error_from_response(_response(502, b"<html>bad gateway</html>"))
    assert isinstance(err, ServerError) and err.code == "server-error"
    assert err.detail == "Bad Gateway" and err.extra == {}
    teapot = error_from_response(_response(418, b"[1, 2]", {"x-request-id": "r-1"}))
    assert type(teapot) is ApiError and (teapot.code, teapot.request_id) == ("http-418", "r-1")


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == 30
    assert parse_retry_after(format_datetime(now - timedelta(seconds=30), usegmt=True), now) == 0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None
