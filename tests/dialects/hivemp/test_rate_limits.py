"""A tenant's own rate limit in the HiveMP dialect: 429, code 6002, ``data.retryAfterSeconds``
and ``Retry-After``. The limiter's clock is frozen; buckets refill only when a test moves it."""

from __future__ import annotations

import httpx
import pytest

from sessionary.bootstrap import Container
from sessionary.domain.model import Subject, Tenant
from sessionary.services.ratelimit import Limit, RateLimiter
from tests.conftest import TEST_ACTOR

from .helpers import Hive, assert_error, assert_ok, native_sessions, quickstart


class Ticker:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ticker(container: Container) -> Ticker:
    """Globally one call per key, then one every 1000 s."""
    tick = Ticker()
    container.limiter = RateLimiter(0.001, 1, clock=tick)
    return tick


async def test_a_tenant_override_beats_the_global_limit(
    hive: Hive,
    container: Container,
    tenant: Tenant,
    account: Subject,
    public_key: str,
    ticker: Ticker,
) -> None:
    await container.tenants.set_rate_limit(tenant.pk, Limit(0.5, 3), TEST_ACTOR)
    for _ in range(3):
        assert_ok(await hive.authenticate(public_key, quickstart()))
    limited = await hive.authenticate(public_key, quickstart())
    data = assert_error(limited, 429, 6002)
    assert data["retryAfterSeconds"] == 2
    assert limited.headers["retry-after"] == "2"
    ticker.now += 2
    assert_ok(await hive.authenticate(public_key, quickstart()))


async def test_an_unlimited_tenant_is_never_refused(
    hive: Hive,
    container: Container,
    tenant: Tenant,
    account: Subject,
    public_key: str,
    ticker: Ticker,
) -> None:
    await container.tenants.set_rate_limit(tenant.pk, Limit(0, 1), TEST_ACTOR)
    for _ in range(5):
        assert_ok(await hive.authenticate(public_key, quickstart()))


async def test_without_an_override_the_global_limit_applies(
    hive: Hive, account: Subject, public_key: str, ticker: Ticker
) -> None:
    assert_ok(await hive.authenticate(public_key, quickstart()))
    data = assert_error(await hive.authenticate(public_key, quickstart()), 429, 6002)
    assert data["retryAfterSeconds"] == 1000


async def test_a_rate_limited_login_opens_no_session(
    hive: Hive,
    client: httpx.AsyncClient,
    container: Container,
    tenant: Tenant,
    account: Subject,
    public_key: str,
    native: dict[str, str],
    ticker: Ticker,
) -> None:
    await container.tenants.set_rate_limit(tenant.pk, Limit(1, 1), TEST_ACTOR)
    assert_ok(await hive.authenticate(public_key, quickstart()))
    assert_error(await hive.authenticate(public_key, quickstart()), 429, 6002)
    assert len(await native_sessions(client, native)) == 1
