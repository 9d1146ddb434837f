"""Rate limits in the RUFUS dialect. The spec is silent, so: 429, the usual ``{"description"}``
body (in the configured envelope) and a ``Retry-After`` header. The limiter's clock is frozen;
buckets refill only when a test moves it."""

from __future__ import annotations

import pytest

from sessionary.bootstrap import Container
from sessionary.domain.model import Tenant
from sessionary.services.ratelimit import Limit, RateLimiter
from tests.conftest import TEST_ACTOR

from .helpers import DEVICE_BODY, Rufus


class Ticker:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def ticker(container: Container, tenant: Tenant) -> Ticker:
    """No global limit; acme's override allows one call, then one every 4 s."""
    tick = Ticker()
    container.limiter = RateLimiter(0, 100, clock=tick)
    await container.tenants.set_rate_limit(tenant.pk, Limit(0.25, 1), TEST_ACTOR)
    return tick


async def test_a_key_past_its_bucket_gets_429_with_a_description_and_retry_after(
    rufus: Rufus, kr: str, ticker: Ticker
) -> None:
    assert (await rufus.get("/devices", kr)).status_code == 200
    limited = await rufus.get("/devices", kr)
    rufus.expect(limited, 429, {"description": "Too many requests"})
    assert limited.headers["retry-after"] == "4"
    ticker.now += 4
    assert (await rufus.get("/devices", kr)).status_code == 200


async def test_a_rate_limited_bind_binds_nothing(
    rufus: Rufus, kw: str, kr: str, ticker: Ticker
) -> None:
    assert (await rufus.get("/devices", kw)).status_code == 403  # spends kw's only token
    refused = await rufus.post("/devices", kw, DEVICE_BODY)
    assert refused.status_code == 429
    devices = await rufus.get("/devices", kr)
    assert rufus.inner(devices)["result"] == []


async def test_each_key_has_its_own_bucket(rufus: Rufus, kr: str, krw: str, ticker: Ticker) -> None:
    assert (await rufus.get("/devices", kr)).status_code == 200
    assert (await rufus.get("/devices", kr)).status_code == 429
    assert (await rufus.get("/devices", krw)).status_code == 200


async def test_another_company_keeps_the_global_default(
    rufus: Rufus, kr: str, kr2: str, ticker: Ticker
) -> None:
    for _ in range(5):
        assert (await rufus.get("/devices", kr2)).status_code == 200


async def test_a_bad_key_is_still_403_not_429(rufus: Rufus, ticker: Ticker) -> None:
    for _ in range(3):
        assert (await rufus.get("/devices", "ror-00000000000000000000")).status_code == 403


async def test_the_body_envelope_wraps_the_429_too(
    container: Container, rufus: Rufus, kr: str, ticker: Ticker
) -> None:
    container.settings.rufus_envelope = "body"
    rufus.envelope = True
    assert (await rufus.get("/devices", kr)).status_code == 200
    limited = await rufus.get("/devices", kr)
    assert limited.text == '{"body":{"description":"Too many requests"}}'
    assert limited.headers["retry-after"] == "4"
