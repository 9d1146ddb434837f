"""Rate limits in the casino dialect. The docs are silent, so a refused call is HTTP 429 with
``Retry-After`` in its generation's shape: Gen A ``{"error":{"code":"G.9",...}}`` (the
documented "system error, retry"), Gen B ``{"error":429,...}`` (like its 401/404 codes). Partners
and game tokens each have a bucket. The limiter's clock is frozen."""

from __future__ import annotations

import httpx
import pytest

from sessionary.services.ratelimit import Limit, RateLimiter
from tests.conftest import TEST_ACTOR

from .conftest import World
from .helpers import KELLY, PUMPKIN, S100, TOK, USER, Casino, close_body, native_sessions

MESSAGE = "Too many requests, should be retried after 3 seconds."
GEN_A = {"error": {"code": "G.9", "message": MESSAGE}}
GEN_B = {"error": 429, "description": MESSAGE}


class Ticker:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def ticker(world: World) -> Ticker:
    """Set up unlimited; then acme's override allows one call, then one every 3 s."""
    tick = Ticker()
    world.container.limiter = RateLimiter(0, 100, clock=tick)
    limit = Limit(1 / 3, 1)
    await world.container.tenants.set_rate_limit(world.tenant.pk, limit, TEST_ACTOR)
    return tick


def expect_limited(response: httpx.Response, body: object) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["retry-after"] == "3"
    assert response.json() == body


async def test_a_gen_a_close_past_the_bucket_is_g9_and_closes_nothing(
    world: World, client: httpx.AsyncClient, native: dict[str, str], ticker: Ticker
) -> None:
    casino = world.casino
    assert (await casino.history("GetRoundStatus", {"roundId": world.r1})).status_code == 200
    expect_limited(await casino.close_a(close_body()), GEN_A)
    [live] = await native_sessions(client, native, USER, PUMPKIN)
    assert live["status"] == "active"
    ticker.now += 3  # once the bucket refills: the round was not cancelled either
    assert await casino.status(world.r1) == "InProgress"


async def test_a_gen_b_start_past_the_bucket_is_429_and_opens_nothing(
    world: World, client: httpx.AsyncClient, native: dict[str, str], ticker: Ticker
) -> None:
    casino = world.casino
    body = {"secureLogin": S100, "token": TOK, "uuid": "u1", "userId": "newbie", "gameId": KELLY}
    assert (await casino.post("/v4/StartGame", {**body, "userId": USER})).status_code == 200
    expect_limited(await casino.post("/v4/StartGame", body), GEN_B)
    assert await native_sessions(client, native, "newbie", KELLY) == []


async def test_a_gen_b_history_call_past_the_bucket_is_429(world: World, ticker: Ticker) -> None:
    casino = world.casino
    assert (await casino.history("GetRoundStatus", {"roundId": world.r1})).status_code == 200
    expect_limited(await casino.history("GetRoundStatus", {"roundId": world.r1}), GEN_B)


async def test_a_game_token_has_its_own_bucket_in_the_gen_a_shape(
    world: World, ticker: Ticker
) -> None:
    casino = world.casino
    assert (await casino.history("GetRoundStatus", {"roundId": world.r1})).status_code == 200
    assert (await casino.game(world.pumpkin)).status_code == 200
    expect_limited(await casino.game(world.pumpkin), GEN_A)
    assert (await casino.game(world.kelly)).status_code == 200
    expect_limited(await casino.start_round(world.kelly), GEN_A)


async def test_wrong_credentials_are_still_refused_as_before(
    world: World, casino: Casino, ticker: Ticker
) -> None:
    for _ in range(3):
        response = await casino.close_a(close_body(), token="WRONG")
        assert response.status_code == 401 and response.json()["error"]["code"] == "G.0"
