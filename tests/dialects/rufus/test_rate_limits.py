"""Rate limits in the RUFUS dialect. The spec is silent, so: 429, the usual ``{"description"}``
body (in the configured envelope) and a ``Retry-After`` header. The limiter's clock is frozen;
buckets refill only when a test moves it."""

from __future__ import annotations

import pytest

from sessionary.bootstrap import Container
from sessionary.domain.model import Tenant
from sessionary.services.bulk import LARGE_BODY_BYTES, BulkGate
from sessionary.services.ratelimit import Limit, RateLimiter
from tests.conftest import TEST_ACTOR

from .helpers import DEVICE_BODY, Rufus, passing


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


async def test_a_large_batch_that_finds_no_free_slot_in_time_gets_429_and_stores_nothing(
    rufus: Rufus, container: Container, kr: str, kw: str, t1: str
) -> None:
    container.bulk = BulkGate(1, max_wait_s=0.05)
    batch = [passing(n, bib="x" * 40) for n in range(1, 1001)]  # a body past LARGE_BODY_BYTES
    async with container.bulk.slot(LARGE_BODY_BYTES):  # another large request holds it
        refused = await rufus.insert(kw, t1, batch)
    rufus.expect(refused, 429, {"description": "Too many requests"})
    assert refused.headers["retry-after"] == "1"
    assert await rufus.nums(t1, kr) == []
    assert (await rufus.insert(kw, t1, batch)).status_code == 201
