"""Integers past their range and a userId longer than any player's id are the caller's bad
parameter on both backends, in the caller's generation's shape (Gen A 400 V.1, Gen B 21, the
game API 400 V.1), and change nothing. Before, a long userId opened a session on SQLite and
answered 503 G.99 "should be retried" on PostgreSQL."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from sessionary.dialects.casino.partners import MAX_PARTNER_ID, create_partner
from sessionary.domain import limits
from sessionary.http.dialects.casino.inputs import MAX_USER_ID
from tests.conftest import TEST_ACTOR

from .conftest import World
from .expectations import expect
from .helpers import B21, PUMPKIN, S100, TOK, USER, V1, close_body, signed, snapshot

TOO_BIG = (2**63, -(2**63) - 1, 10**30, -1)
LONG_USER = "u" * (MAX_USER_ID + 1)
START_A = f"/api/startgame?MEMB_ID={S100}&HASH={TOK}"
Send = Callable[[World, Any], Awaitable[httpx.Response]]


def gen_b(**fields: Any) -> dict[str, Any]:
    return {"secureLogin": S100, "token": TOK, "uuid": "u-bounds", **fields}


def start_a_body(**fields: Any) -> dict[str, Any]:
    return signed({"secureLogin": S100, "externalPlayerId": USER, "gameid": PUMPKIN, **fields})


async def start_a(w: World, v: Any) -> httpx.Response:
    return await w.casino.post(START_A, start_a_body(externalPlayerId=v))


async def start_b(w: World, v: Any) -> httpx.Response:
    return await w.casino.post("/v4/StartGame", gen_b(userId=v, gameId=PUMPKIN))


async def close_a_user(w: World, v: Any) -> httpx.Response:
    return await w.casino.close_a(close_body(userId=v))


async def close_b_user(w: World, v: Any) -> httpx.Response:
    return await w.casino.close_b(gen_b(userId=v))


async def close_a_clear(w: World, v: Any) -> httpx.Response:
    return await w.casino.close_a(close_body(clear=v))


async def close_b_clear(w: World, v: Any) -> httpx.Response:
    return await w.casino.close_b(gen_b(userId=USER, clearHistory=v))


async def rounds_page(w: World, v: Any) -> httpx.Response:
    return await w.casino.history("GetGameRounds", {"page": v})


async def rounds_limit(w: World, v: Any) -> httpx.Response:
    return await w.casino.history("GetGameRounds", {"limit": str(v)})


async def bet(w: World, v: Any) -> httpx.Response:
    return await w.casino.start_round(w.kelly, {"bet": v, "currency": "USD"})


async def win(w: World, v: Any) -> httpx.Response:
    return await w.casino.finish(w.pumpkin, w.r1, {"win": v})


BAD_ARGUMENT = (400, V1)
GAME_API = (400, None)  # V.1 with msgspec's reason appended
CASES: list[tuple[str, Send, tuple[Any, ...], tuple[int, str | None]]] = [
    ("start-a-user", start_a, (LONG_USER,), BAD_ARGUMENT),
    ("start-b-user", start_b, (LONG_USER,), (200, B21)),
    ("close-a-user", close_a_user, (LONG_USER,), BAD_ARGUMENT),
    ("close-b-user", close_b_user, (LONG_USER,), (200, B21)),
    ("close-a-clear", close_a_clear, TOO_BIG, BAD_ARGUMENT),
    ("close-b-clear", close_b_clear, TOO_BIG, (200, B21)),
    ("rounds-page", rounds_page, TOO_BIG, (200, B21)),
    ("rounds-limit", rounds_limit, TOO_BIG, (200, B21)),
    ("bet", bet, TOO_BIG, GAME_API),
    ("win", win, TOO_BIG, GAME_API),
]


@pytest.mark.parametrize(
    ("send", "value", "answer"),
    [
        pytest.param(send, value, answer, id=f"{name}={str(value)[:24]}")
        for name, send, values, answer in CASES
        for value in values
    ],
)
async def test_a_value_out_of_its_range_is_a_bad_parameter_and_changes_nothing(
    world: World, send: Send, value: Any, answer: tuple[int, str | None]
) -> None:
    before = await snapshot(world.container, world.tenant)
    response = await send(world, value)
    status, text = answer
    if text is None:
        assert response.status_code == status, response.text
        assert response.json()["error"]["code"] == "V.1"
    else:
        expect(response, status, text)
    assert await snapshot(world.container, world.tenant) == before


async def test_the_longest_user_id_of_the_longest_partner_id_starts_a_game(
    world: World,
) -> None:
    """Exactly the subject id column's length: stored alike on both backends."""
    login, token = "P" * MAX_PARTNER_ID, "TOK-LONGEST"
    await create_partner(world.container, world.tenant.name, TEST_ACTOR, login, token, "k")
    body = {"secureLogin": login, "token": token, "userId": "u" * MAX_USER_ID, "gameId": PUMPKIN}
    response = await world.casino.post("/v4/StartGame", body)
    assert response.status_code == 200, response.text
    assert response.json()["error"] == 0
    assert len(f"{login}/{body['userId']}") == limits.SUBJECT_ID
