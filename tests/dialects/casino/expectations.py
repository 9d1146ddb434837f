"""Assertions on the §8 fixture: which game sessions are alive, which are gone."""

from __future__ import annotations

import httpx

from .conftest import World
from .helpers import KELLY, PUMPKIN, USER, native_sessions

EXPIRED = '{"error":{"code":"S.1","message":"SESSION EXPIRED"}}'


def expect(response: httpx.Response, status: int, text: str) -> None:
    """Status and the exact body text."""
    got = (response.status_code, response.text)
    assert got == (status, text), f"expected {status} {text}, got {got[0]} {got[1]}"


async def expect_gone(world: World, native: dict[str, str], game: str) -> None:
    """The game token answers 401 S.1 and /v1 lists the session as closed."""
    token = world.pumpkin if game == PUMPKIN else world.kelly
    session_id = world.pumpkin_session if game == PUMPKIN else world.kelly_session
    expect(await world.casino.game(token), 401, EXPIRED)
    items = await native_sessions(world.casino.client, native, USER, game)
    by_id = {item["id"]: item for item in items}
    assert by_id[session_id]["status"] == "closed"
    assert by_id[session_id]["close_reason"] == "subject_closed"


async def expect_alive(world: World, native: dict[str, str], game: str) -> None:
    """The game token still works and /v1 lists the session as active."""
    token = world.pumpkin if game == PUMPKIN else world.kelly
    session_id = world.pumpkin_session if game == PUMPKIN else world.kelly_session
    response = await world.casino.game(token)
    assert response.status_code == 200, response.text
    assert response.json()["sessionId"] == session_id
    items = await native_sessions(world.casino.client, native, USER, game)
    assert {item["id"]: item["status"] for item in items}[session_id] == "active"


async def expect_all_alive(world: World, native: dict[str, str]) -> None:
    await expect_alive(world, native, PUMPKIN)
    await expect_alive(world, native, KELLY)


async def expect_resumable(world: World) -> None:
    """R1 is InProgress, and a new StartGame of tester in pumpkinfarm resumes it."""
    assert await world.casino.status(world.r1) == "InProgress"
    token = await world.casino.start_b(game=PUMPKIN)
    response = await world.casino.start_round(token)
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["resumed"] is True
    assert data["round"]["roundId"] == world.r1
    assert data["round"]["roundStatus"] == "InProgress"
