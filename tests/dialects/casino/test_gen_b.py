"""Gen B (spec §5): body secureLogin + token, numeric codes with HTTP 200, for CloseSession and
StartGame; Gen A StartGame (spec §4); path case variants."""

from __future__ import annotations

import pytest

from .conftest import World
from .expectations import expect, expect_alive, expect_gone, expect_resumable
from .helpers import B20, B21, B54, G0, G1, KELLY, PUMPKIN, SUCCESS, USER, JsonObject, signed

BASE: JsonObject = {"secureLogin": "S100", "token": "TOK-0001", "uuid": "u1", "userId": USER}


def without(body: JsonObject, key: str) -> JsonObject:
    return {k: v for k, v in body.items() if k != key}


@pytest.mark.parametrize("missing", ["secureLogin", "token", "userId"])
async def test_gen_b_close_without_a_required_parameter_is_error_21_with_http_200(
    world: World, native: dict[str, str], missing: str
) -> None:
    expect(await world.casino.close_b(without(BASE, missing)), 200, B21)
    await expect_alive(world, native, PUMPKIN)


@pytest.mark.parametrize(
    "change",
    [
        {"clearHistory": 2},
        {"clearHistory": "yes"},
        {"clearHistory": 1.0},
        {"gameId": 1},
        {"userId": 7},
        {"token": ""},
    ],
    ids=["clear-2", "clear-yes", "clear-float", "game-number", "user-number", "token-empty"],
)
async def test_gen_b_close_with_an_incorrect_parameter_is_error_21(
    world: World, native: dict[str, str], change: JsonObject
) -> None:
    expect(await world.casino.close_b({**BASE, **change}), 200, B21)
    await expect_alive(world, native, PUMPKIN)


@pytest.mark.parametrize("raw", [b"not json", b"[]", b""], ids=["text", "array", "empty"])
async def test_gen_b_close_with_a_body_that_is_no_json_object_is_error_21(
    world: World, raw: bytes
) -> None:
    expect(await world.casino.post("/v4/CloseSession", raw=raw), 200, B21)


async def test_gen_b_close_of_an_unknown_game_is_error_20(
    world: World, native: dict[str, str]
) -> None:
    expect(await world.casino.close_b({**BASE, "gameId": "lm_999_nosuchgame"}), 200, B20)
    await expect_alive(world, native, PUMPKIN)


@pytest.mark.parametrize(
    "change",
    [{"token": "bad"}, {"secureLogin": "S999"}, {"secureLogin": "s100"}],
    ids=["bad-token", "unknown-login", "login-case"],
)
async def test_gen_b_close_with_bad_credentials_is_error_54_with_the_documented_text(
    world: World, native: dict[str, str], change: JsonObject
) -> None:
    expect(await world.casino.close_b({**BASE, **change}), 200, B54)
    await expect_alive(world, native, PUMPKIN)


@pytest.mark.parametrize("path", ["/V4/CloseSession", "/v4/closesession", "/v4/CloseSession"])
async def test_gen_b_close_answers_on_every_case_variant_of_its_path(
    world: World, native: dict[str, str], path: str
) -> None:
    body = {**BASE, "gameId": PUMPKIN, "clearHistory": 1}
    expect(await world.casino.close_b(body, path=path), 200, SUCCESS)
    await expect_gone(world, native, PUMPKIN)
    await expect_alive(world, native, KELLY)
    assert await world.casino.status(world.r1) == "CancelInProcess"


@pytest.mark.parametrize("clear", [0, "0"])
async def test_gen_b_close_with_clear_history_0_keeps_r1_resumable(
    world: World, native: dict[str, str], clear: object
) -> None:
    expect(await world.casino.close_b({**BASE, "clearHistory": clear}), 200, SUCCESS)
    await expect_gone(world, native, KELLY)
    await expect_resumable(world)


async def test_gen_b_close_of_a_known_player_without_sessions_is_a_success(world: World) -> None:
    expect(await world.casino.close_b(BASE), 200, SUCCESS)
    expect(await world.casino.close_b(BASE), 200, SUCCESS)


async def test_gen_b_close_of_a_player_never_seen_is_error_12_or_22(world: World) -> None:
    """Spec §5 [PROPOSAL]: "12 or 22 unknown player"."""
    response = await world.casino.close_b({**BASE, "userId": "nobody"})
    assert response.status_code == 200
    assert response.json()["error"] in (12, 22), response.text


async def test_gen_a_close_of_a_player_never_seen_is_a_success(world: World) -> None:
    """Spec §2.1: OK whether or not a session was open."""
    body = signed({"secureLogin": "S100", "userId": "nobody"})
    expect(await world.casino.close_a(body), 200, SUCCESS)


@pytest.mark.parametrize(
    ("change", "text"),
    [
        ({"gameId": None}, B21),
        ({"userId": None}, B21),
        ({"gameId": "lm_999_nosuchgame"}, B20),
        ({"token": "bad"}, B54),
    ],
    ids=["no-game", "no-user", "unknown-game", "bad-token"],
)
async def test_gen_b_start_game_refusals_use_numeric_codes(
    world: World, change: JsonObject, text: str
) -> None:
    body = {**BASE, "gameId": PUMPKIN, "currency": "USD", "language": "en", **change}
    expect(await world.casino.post("/v4/StartGame", body), 200, text)


async def test_a_new_start_of_the_same_game_supersedes_the_previous_token(world: World) -> None:
    fresh = await world.casino.start_b(game=PUMPKIN)
    assert (await world.casino.game(world.pumpkin)).status_code == 401
    assert (await world.casino.game(fresh)).status_code == 200
    assert (await world.casino.game(world.kelly)).status_code == 200


def start_a_body(**change: object) -> JsonObject:
    body: JsonObject = {"secureLogin": "S100", "externalPlayerId": USER, "gameid": PUMPKIN}
    body.update(sessionid="op-2", laguage="en", currency="USD", region="Europe")
    return signed({**body, **change})


async def test_gen_a_start_game_returns_a_launch_url_whose_token_resumes_r1(world: World) -> None:
    path = "/api/startgame?MEMB_ID=S100&HASH=TOK-0001"
    response = await world.casino.post(path, start_a_body())
    assert response.status_code == 200, response.text
    data = response.json()
    assert (data["error"], data["description"]) == (0, "Success")
    assert "?token=" in data["url"]
    token = data["url"].split("?token=", 1)[1]
    started = await world.casino.start_round(token)
    assert started.json()["resumed"] is True
    assert started.json()["round"]["roundId"] == world.r1


@pytest.mark.parametrize(
    ("query", "body", "status", "text"),
    [
        ("?MEMB_ID=S100&HASH=WRONG", start_a_body(), 401, G0),
        ("?MEMB_ID=S100&HASH=TOK-0001", {**start_a_body(), "currency": "EUR"}, 401, G0),
        ("?MEMB_ID=S100&HASH=TOK-0001", start_a_body(gameid="lm_999_nosuchgame"), 400, G1),
    ],
    ids=["wrong-token", "tampered", "unknown-game"],
)
async def test_gen_a_start_game_refusals_use_the_gen_a_envelope(
    world: World, query: str, body: JsonObject, status: int, text: str
) -> None:
    expect(await world.casino.post("/api/startgame" + query, body), status, text)
    assert (await world.casino.game(world.pumpkin)).status_code == 200


async def test_gen_b_close_of_a_player_id_holding_nul_is_an_unknown_player(
    world: World, native: dict[str, str]
) -> None:
    """No player can have such an id; PostgreSQL cannot even compare it (U+0000)."""
    response = await world.casino.close_b({**BASE, "userId": USER + "\u0000"})
    assert response.status_code == 200
    assert response.json()["error"] == 12, response.text
    await expect_alive(world, native, PUMPKIN)


async def test_gen_b_close_of_a_game_id_holding_nul_is_a_bad_parameter_on_postgresql(
    world: World, native: dict[str, str]
) -> None:
    """PostgreSQL cannot compare U+0000 (error 21, like any incorrect parameter); on SQLite no
    game has the id (error 20)."""
    response = await world.casino.close_b({**BASE, "gameId": PUMPKIN + "\u0000"})
    on_postgresql = world.container.settings.database_url.startswith("postgresql")
    expect(response, 200, B21 if on_postgresql else B20)
    await expect_alive(world, native, PUMPKIN)
