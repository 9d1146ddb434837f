"""POST /token is throttled per client (tokens issued) and per source address (every request),
so one client cannot grow the credentials table without bound. The docs are silent on
throttling: a refused call is HTTP 429 with ``Retry-After`` in the endpoint's OAuth shape.
The buckets run on the test's FakeClock; they refill only when a test moves it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from sessionary.bootstrap import Container
from sessionary.config import Settings
from sessionary.domain.model import Tenant
from sessionary.http.app import create_app
from sessionary.http.dialects.pagos.token_limits import source_key
from sessionary.http.dialects.pagos.tokens import TOKEN
from sessionary.services.ratelimit import RateLimiter
from tests.support import FakeClock

from .helpers import Pagos, PagosClient

TOKEN_PATH = "/pagos/token"


def slow_down(seconds: int) -> str:
    return (
        '{"error":"slow_down","error_description":'
        f'"Too many requests; retry after {seconds} seconds."}}'
    )


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Three tokens per client, then one every 10 s; sources are loose unless a test says."""
    return settings.model_copy(
        update={
            "pagos_token_client_per_s": 0.1,
            "pagos_token_client_burst": 3,
            "pagos_token_source_burst": 1000,
        }
    )


def form(client: PagosClient, secret: str | None = None) -> dict[str, str]:
    return {
        "grant_type": "client_credentials",
        "client_id": client.id,
        "client_secret": client.secret if secret is None else secret,
    }


async def token_rows(container: Container, tenant_pk: int) -> int:
    return sum(c.kind == TOKEN for c in await container.credentials.list(tenant_pk))


def expect_slow_down(response: httpx.Response, seconds: int) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["retry-after"] == str(seconds)
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-type"] == "application/json;charset=UTF-8"
    assert response.text == slow_down(seconds)


async def test_a_client_past_its_bucket_gets_429_and_no_new_token(
    pagos: Pagos, pagos_client: PagosClient, container: Container, tenant: Tenant, clock: FakeClock
) -> None:
    for _ in range(3):
        await pagos.token(pagos_client)
    expect_slow_down(await pagos.token_response(form(pagos_client)), 10)
    expect_slow_down(await pagos.token_response(form(pagos_client), as_json=True), 10)
    assert await token_rows(container, tenant.pk) == 3
    clock.advance(10)
    await pagos.token(pagos_client)
    assert await token_rows(container, tenant.pk) == 4


async def test_each_client_has_its_own_token_bucket(
    pagos: Pagos, pagos_client: PagosClient, second_client: PagosClient
) -> None:
    for _ in range(3):
        await pagos.token(pagos_client)
    assert (await pagos.token_response(form(pagos_client))).status_code == 429
    await pagos.token(second_client)


async def test_wrong_secrets_do_not_spend_the_clients_bucket(
    pagos: Pagos, pagos_client: PagosClient
) -> None:
    """Only issued tokens count, so a stranger who knows a client id cannot starve it."""
    for attempt in range(4):
        wrong = await pagos.token_response(form(pagos_client, secret=f"wrong-{attempt}"))
        assert wrong.status_code == 400
    for _ in range(3):
        await pagos.token(pagos_client)


async def test_a_locked_out_client_answers_invalid_client_before_its_bucket(
    pagos: Pagos, pagos_client: PagosClient, clock: FakeClock
) -> None:
    for _ in range(3):
        await pagos.token(pagos_client)
    for attempt in range(5):
        await pagos.token_response(form(pagos_client, secret=f"wrong-{attempt}"))
    locked = await pagos.token_response(form(pagos_client))
    assert (locked.status_code, locked.text) == (400, '{"error":"invalid_client"}')
    clock.advance(60)
    await pagos.token(pagos_client)


@pytest.fixture
async def two_sources(container: Container) -> AsyncIterator[tuple[Pagos, Pagos]]:
    """One app, reached from two client addresses."""
    app = create_app(container)
    near = httpx.ASGITransport(app=app, client=("192.0.2.1", 40000))  # type: ignore[arg-type]
    far = httpx.ASGITransport(app=app, client=("198.51.100.7", 40000))  # type: ignore[arg-type]
    async with (
        app.lifespan(),
        httpx.AsyncClient(transport=near, base_url="http://testserver") as one,
        httpx.AsyncClient(transport=far, base_url="http://testserver") as other,
    ):
        yield Pagos(one), Pagos(other)


async def test_a_source_past_its_bucket_is_refused_whatever_it_sends(
    container: Container,
    pagos_client: PagosClient,
    second_client: PagosClient,
    clock: FakeClock,
    two_sources: tuple[Pagos, Pagos],
) -> None:
    container.settings = container.settings.model_copy(
        update={"pagos_token_source_per_s": 0.5, "pagos_token_source_burst": 4}
    )
    near, far = two_sources
    garbage = {"grant_type": "password"}
    for _ in range(3):
        assert (await near.token_response(garbage)).status_code == 400
    await near.token(pagos_client)
    expect_slow_down(await near.token_response(form(second_client)), 2)
    expect_slow_down(await near.token_response(garbage), 2)
    await far.token(second_client)
    clock.advance(2)
    await near.token(second_client)


async def test_a_flood_of_token_requests_adds_only_the_bursts(
    container: Container,
    tenant: Tenant,
    pagos: Pagos,
    pagos_client: PagosClient,
    clock: FakeClock,
) -> None:
    """Defaults: 10 tokens per client then one per 10 s; 30 requests per source then 1/s."""
    container.settings = container.settings.model_copy(
        update={
            "pagos_token_client_per_s": 0.1,
            "pagos_token_client_burst": 10,
            "pagos_token_source_per_s": 1.0,
            "pagos_token_source_burst": 30,
        }
    )
    statuses = [(await pagos.token_response(form(pagos_client))).status_code for _ in range(200)]
    assert (statuses.count(200), statuses.count(429)) == (10, 190)
    for _ in range(100):  # one request a second for 100 s
        clock.advance(1)
        await pagos.token_response(form(pagos_client))
    assert 10 < await token_rows(container, tenant.pk) <= 10 + 100 * 0.1


def test_an_ipv6_source_is_throttled_by_its_64_prefix() -> None:
    one, other = source_key("2001:db8:1:2::1"), source_key("2001:db8:1:2:ffff::9")
    assert one == other == "2001:db8:1:2::/64"
    assert source_key("2001:db8:1:3::1") != one
    assert source_key("::ffff:192.0.2.1") == source_key("192.0.2.1") == "192.0.2.1"
    assert source_key(None) == "unknown"


def test_a_wall_clock_stepped_back_takes_nothing_from_a_bucket() -> None:
    """The token guard runs on the container's (wall) clock, so it may step back."""
    now = [1000.0]
    limiter = RateLimiter(1.0, 2, clock=lambda: now[0])
    assert limiter.check("k") is None
    now[0] -= 30
    assert limiter.check("k") is None
    now[0] += 1
    assert limiter.check("k") is None
