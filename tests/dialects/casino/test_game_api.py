"""The game-side API under the game-session token: rounds start and finish, a finished round
cannot finish again, unknown rounds are 404, dead tokens are 401 S.1, bad bodies are 400."""

from __future__ import annotations

import pytest

from .conftest import World
from .expectations import EXPIRED, expect
from .helpers import PUMPKIN, SUCCESS, close_body

NOT_OPEN = '{"error":{"code":"R.2","message":"ROUND IS NOT IN PROGRESS"}}'
NOT_FOUND = '{"error":{"code":"R.1","message":"ROUND NOT FOUND"}}'


async def test_a_round_starts_in_progress_and_finishes_completed(world: World) -> None:
    finished = await world.casino.finish(world.pumpkin, world.r1, {"win": 2})
    assert finished.status_code == 200, finished.text
    out = finished.json()["round"]
    assert (out["roundId"], out["roundStatus"], out["gameId"]) == (world.r1, "Completed", PUMPKIN)
    assert (out["betAmount"], out["winAmount"], out["currency"]) == (1.5, 2, "USD")
    status = await world.casino.history("GetRoundStatus", {"roundId": world.r1})
    assert status.json() == {
        "error": 0,
        "description": "Success",
        "betAmount": 1.5,
        "winAmount": 2,
        "roundStatus": "Completed",
        "currency": "USD",
    }


async def test_every_game_api_round_carries_the_catalogue_name_as_history_does(
    world: World,
) -> None:
    started = (await world.casino.start_round(world.pumpkin)).json()["round"]
    shown = (await world.casino.game(world.pumpkin)).json()["round"]
    finished = (await world.casino.finish(world.pumpkin, world.r1)).json()["round"]
    history = (await world.casino.history("GetGameRounds", {"userId": "tester"})).json()
    assert [started["gameName"], shown["gameName"], finished["gameName"]] == ["Pumpkin Farm"] * 3
    assert [r["gameName"] for r in history["rounds"]] == ["Pumpkin Farm"]


async def test_after_a_round_completes_the_next_start_opens_a_new_round(world: World) -> None:
    await world.casino.finish(world.pumpkin, world.r1)
    response = await world.casino.start_round(world.pumpkin, {"bet": 3})
    assert response.json()["resumed"] is False
    assert response.json()["round"]["roundId"] != world.r1


async def test_starting_while_a_round_is_in_progress_resumes_it(world: World) -> None:
    response = await world.casino.start_round(world.pumpkin)
    assert response.json()["resumed"] is True
    assert response.json()["round"]["roundId"] == world.r1


async def test_the_session_view_shows_the_unfinished_round(world: World) -> None:
    data = (await world.casino.game(world.pumpkin)).json()
    assert (data["userId"], data["gameId"], data["status"]) == ("tester", PUMPKIN, "active")
    assert data["round"]["roundId"] == world.r1
    assert (await world.casino.game(world.kelly)).json()["round"] is None


async def test_the_token_may_also_come_as_the_launch_url_query(world: World) -> None:
    url = f"{world.casino.prefix}/game/launch?token={world.pumpkin}"
    response = await world.casino.client.get(url)
    assert response.status_code == 200, response.text
    assert response.json()["sessionId"] == world.pumpkin_session


async def test_finishing_a_round_twice_is_409(world: World) -> None:
    assert (await world.casino.finish(world.pumpkin, world.r1)).status_code == 200
    expect(await world.casino.finish(world.pumpkin, world.r1), 409, NOT_OPEN)
    assert await world.casino.status(world.r1) == "Completed"


async def test_finishing_a_cancelled_round_is_409(world: World) -> None:
    expect(await world.casino.close_a(close_body()), 200, SUCCESS)
    token = await world.casino.start_b(game=PUMPKIN)
    expect(await world.casino.finish(token, world.r1), 409, NOT_OPEN)
    assert await world.casino.status(world.r1) == "CancelInProcess"


@pytest.mark.parametrize("round_id", ["0000000000000000", "nosuchround", "1"])
async def test_finishing_an_unknown_round_is_404(world: World, round_id: str) -> None:
    expect(await world.casino.finish(world.pumpkin, round_id), 404, NOT_FOUND)


async def test_finishing_a_round_of_another_game_is_404(world: World) -> None:
    expect(await world.casino.finish(world.kelly, world.r1), 404, NOT_FOUND)
    assert await world.casino.status(world.r1) == "InProgress"


async def test_every_game_call_with_a_closed_sessions_token_is_401_s1(world: World) -> None:
    expect(await world.casino.close_a(close_body(clear="0")), 200, SUCCESS)
    expect(await world.casino.game(world.pumpkin), 401, EXPIRED)
    expect(await world.casino.start_round(world.pumpkin), 401, EXPIRED)
    expect(await world.casino.finish(world.pumpkin, world.r1), 401, EXPIRED)
    assert await world.casino.status(world.r1) == "InProgress"


@pytest.mark.parametrize("token", ["", "garbage", "TOK-0001"], ids=["empty", "garbage", "partner"])
async def test_a_missing_unknown_or_partner_token_is_401_s1(world: World, token: str) -> None:
    expect(await world.casino.game(token), 401, EXPIRED)
    expect(await world.casino.start_round(token), 401, EXPIRED)


async def test_a_game_call_without_any_token_is_401_s1(world: World) -> None:
    response = await world.casino.client.get(f"{world.casino.prefix}/game/session")
    expect(response, 401, EXPIRED)


BAD_BETS: dict[str, object] = {
    "empty-object": {},
    "negative": {"bet": -1},
    "string": {"bet": "1.5"},
    "null": {"bet": None},
    "array": [1.5],
    "currency-number": {"bet": 1, "currency": 5},
    "currency-too-long": {"bet": 1, "currency": "USDUSDUSD"},
    "text": "bet",
}


@pytest.mark.parametrize("body", BAD_BETS.values(), ids=BAD_BETS.keys())
async def test_a_bad_start_round_body_is_400_and_opens_nothing(world: World, body: object) -> None:
    await world.casino.finish(world.pumpkin, world.r1)
    response = await world.casino.start_round(world.pumpkin, body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "V.1"
    assert (await world.casino.game(world.pumpkin)).json()["round"] is None


@pytest.mark.parametrize("body", [{}, {"win": -2}, {"win": "2"}, [2], {"win": None}])
async def test_a_bad_finish_body_is_400_and_the_round_stays_in_progress(
    world: World, body: object
) -> None:
    response = await world.casino.finish(world.pumpkin, world.r1, body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "V.1"
    assert await world.casino.status(world.r1) == "InProgress"


async def test_a_non_json_start_round_body_is_400(world: World) -> None:
    headers = {"X-Game-Token": world.pumpkin, "Content-Type": "application/json"}
    url = f"{world.casino.prefix}/game/rounds"
    response = await world.casino.client.post(url, content=b"{bet:", headers=headers)
    assert response.status_code == 400, response.text
