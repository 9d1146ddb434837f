"""Rate limits in the Pagos dialect. The docs are silent on throttling, so a refused call is
HTTP 429 with ``Retry-After`` and still the documented envelope (``Success:false``,
``InvalidToken:false``, one message). One bucket per client, however many tokens it holds.
The limiter's clock is frozen; buckets refill only when a test moves it."""

from __future__ import annotations

import httpx
import pytest

from sessionary.bootstrap import Container
from sessionary.domain.model import Tenant
from sessionary.http.dialects.pagos.envelope import ZERO_GUID
from sessionary.services.ratelimit import Limit, RateLimiter
from tests.conftest import TEST_ACTOR

from .helpers import ENVELOPE_TYPE, Pagos, PagosClient, compact, native_sessions

MESSAGE = "Too many requests; retry after 5 seconds."


class Ticker:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def ticker(container: Container, tenant: Tenant, token: str, app_a: str) -> Ticker:
    """No global limit; acme's override allows one call, then one every 5 s."""
    tick = Ticker()
    container.limiter = RateLimiter(0, 100, clock=tick)
    await container.tenants.set_rate_limit(tenant.pk, Limit(0.2, 1), TEST_ACTOR)
    return tick


def expect_limited(response: httpx.Response, body: dict[str, object]) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["retry-after"] == "5"
    assert response.headers["cache-control"] == "no-cache, no-store"
    assert response.headers["content-type"] == ENVELOPE_TYPE
    assert response.text == compact(body)


async def test_an_open_past_the_bucket_is_429_in_the_envelope_and_opens_nothing(
    pagos: Pagos,
    client: httpx.AsyncClient,
    token: str,
    app_a: str,
    native: dict[str, str],
    ticker: Ticker,
) -> None:
    await pagos.open_session(token, app_a)
    limited = await pagos.open(token, {"ApplicationKey": app_a})
    failure = {"SessionId": ZERO_GUID, "Success": False, "InvalidToken": False}
    expect_limited(limited, {**failure, "Messages": [MESSAGE]})
    assert len(await native_sessions(client, native)) == 1
    ticker.now += 5
    await pagos.open_session(token, app_a)


async def test_a_close_past_the_bucket_is_429_and_the_session_stays_open(
    pagos: Pagos,
    client: httpx.AsyncClient,
    container: Container,
    tenant: Tenant,
    token: str,
    app_a: str,
    native: dict[str, str],
    ticker: Ticker,
) -> None:
    await container.tenants.set_rate_limit(tenant.pk, Limit(0, 1), TEST_ACTOR)
    session = await pagos.open_session(token, app_a)
    await container.tenants.set_rate_limit(tenant.pk, Limit(0.2, 1), TEST_ACTOR)
    assert (await pagos.open(token, {})).status_code == 200  # spends the token
    limited = await pagos.close(token, {"SessionId": session, "ApplicationKey": app_a})
    expect_limited(limited, {"Success": False, "InvalidToken": False, "Messages": [MESSAGE]})
    [listed] = await native_sessions(client, native)
    assert listed["id"] == session and listed["status"] == "active"


async def test_all_tokens_of_a_client_share_one_bucket(
    pagos: Pagos, pagos_client: PagosClient, token: str, app_a: str, ticker: Ticker
) -> None:
    second = await pagos.token(pagos_client)
    await pagos.open_session(token, app_a)
    assert (await pagos.open(second, {"ApplicationKey": app_a})).status_code == 429


async def test_another_client_has_its_own_bucket(
    pagos: Pagos, token: str, app_a: str, second_client: PagosClient, ticker: Ticker
) -> None:
    await pagos.open_session(token, app_a)
    other = await pagos.token(second_client)
    await pagos.open_session(other, app_a)


async def test_a_bad_token_is_still_the_invalid_token_envelope(
    pagos: Pagos, app_a: str, ticker: Ticker
) -> None:
    for _ in range(3):
        response = await pagos.open("garbage", {"ApplicationKey": app_a})
        assert response.status_code == 200 and response.json()["InvalidToken"] is True
