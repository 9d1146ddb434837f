"""Spec §8 checks 6-18: clearHistory 0 and absent, idempotence, validation, unknown game, the
externalPlayerId alias, integer clearHistory, upper-case hex, non-JSON, method and path case,
and Gen B."""

from __future__ import annotations

import pytest

from .conftest import World
from .expectations import expect, expect_alive, expect_all_alive, expect_gone, expect_resumable
from .helpers import (
    B54,
    G1,
    KELLY,
    PUMPKIN,
    SUCCESS,
    V1,
    JsonObject,
    close_body,
    lifecycle,
    signed,
    snapshot,
)

CHECK_6 = {
    "secureLogin": "S100",
    "userId": "tester",
    "clearHistory": "0",
    "hash": "d42368a9ceee921da5aaccc11ce5151f",
}
CHECK_7 = {"secureLogin": "S100", "userId": "tester", "hash": "410c83f370f6ebda32047739963aa772"}
CHECK_11 = {
    "secureLogin": "S100",
    "gameId": "lm_1_pumpkinfarm",
    "clearHistory": "1",
    "hash": "842a5ee51b0a814ae333bab40d2a07c4",
}
CHECK_1_HASH = "31469c207596d2036bff7677bbc6653f"


async def expect_cancelled_r1_and_live_kelly(world: World, native: dict[str, str]) -> None:
    await expect_gone(world, native, PUMPKIN)
    await expect_alive(world, native, KELLY)
    assert await world.casino.status(world.r1) == "CancelInProcess"
    records = await lifecycle(world.container, world.tenant, world.pumpkin_session)
    assert [r["type"] for r in records].count("work_cancel_requested") == 1


@pytest.mark.parametrize("body", [CHECK_6, CHECK_7], ids=["check-6-clear-0", "check-7-absent"])
async def test_checks_6_and_7_close_every_game_and_keep_r1_resumable(
    world: World, native: dict[str, str], body: JsonObject
) -> None:
    expect(await world.casino.close_a(body), 200, SUCCESS)
    await expect_gone(world, native, PUMPKIN)
    await expect_gone(world, native, KELLY)
    records = await lifecycle(world.container, world.tenant, world.pumpkin_session)
    assert not [r for r in records if r["type"].startswith("work_")]
    await expect_resumable(world)


async def test_check_8_check_6_sent_again_is_still_a_success_and_changes_nothing(
    world: World,
) -> None:
    expect(await world.casino.close_a(CHECK_6), 200, SUCCESS)
    after_first = await snapshot(world.container, world.tenant)
    expect(await world.casino.close_a(CHECK_6), 200, SUCCESS)
    assert await snapshot(world.container, world.tenant) == after_first
    await expect_resumable(world)


async def test_check_9_clear_history_2_correctly_hashed_is_v1_and_changes_nothing(
    world: World, native: dict[str, str]
) -> None:
    before = await snapshot(world.container, world.tenant)
    expect(await world.casino.close_a(close_body(clear="2")), 400, V1)
    assert await snapshot(world.container, world.tenant) == before
    await expect_all_alive(world, native)


async def test_check_10_a_body_without_hash_is_v1(world: World, native: dict[str, str]) -> None:
    body = {k: v for k, v in close_body().items() if k != "hash"}
    before = await snapshot(world.container, world.tenant)
    expect(await world.casino.close_a(body), 400, V1)
    assert await snapshot(world.container, world.tenant) == before
    await expect_all_alive(world, native)


async def test_check_11_a_body_without_a_player_is_v1(world: World, native: dict[str, str]) -> None:
    before = await snapshot(world.container, world.tenant)
    expect(await world.casino.close_a(CHECK_11), 400, V1)
    assert await snapshot(world.container, world.tenant) == before
    await expect_all_alive(world, native)


async def test_check_12_an_unknown_game_is_g1_and_changes_nothing(
    world: World, native: dict[str, str]
) -> None:
    before = await snapshot(world.container, world.tenant)
    expect(await world.casino.close_a(close_body(game="lm_999_nosuchgame")), 400, G1)
    assert await snapshot(world.container, world.tenant) == before
    await expect_all_alive(world, native)


async def test_check_13_external_player_id_hashed_under_that_key_closes_like_user_id(
    world: World, native: dict[str, str]
) -> None:
    body = signed(
        {
            "secureLogin": "S100",
            "externalPlayerId": "tester",
            "gameId": PUMPKIN,
            "clearHistory": "1",
        }
    )
    expect(await world.casino.close_a(body), 200, SUCCESS)
    await expect_cancelled_r1_and_live_kelly(world, native)


async def test_check_14_integer_clear_history_uses_the_same_digest_as_the_string(
    world: World, native: dict[str, str]
) -> None:
    body = {
        "secureLogin": "S100",
        "userId": "tester",
        "gameId": PUMPKIN,
        "clearHistory": 1,
        "hash": CHECK_1_HASH,
    }
    expect(await world.casino.close_a(body), 200, SUCCESS)
    await expect_cancelled_r1_and_live_kelly(world, native)


async def test_check_15_an_upper_case_hex_hash_is_accepted(
    world: World, native: dict[str, str]
) -> None:
    body = {**close_body(), "hash": CHECK_1_HASH.upper()}
    expect(await world.casino.close_a(body), 200, SUCCESS)
    await expect_cancelled_r1_and_live_kelly(world, native)


async def test_check_16_a_non_json_body_is_v1(world: World, native: dict[str, str]) -> None:
    before = await snapshot(world.container, world.tenant)
    expect(await world.casino.close_a(raw=b"secureLogin=S100&userId=tester"), 400, V1)
    assert await snapshot(world.container, world.tenant) == before
    await expect_all_alive(world, native)


async def test_check_17_a_get_on_the_close_path_is_405(world: World) -> None:
    url = f"{world.casino.prefix}/V4/closesession?MEMB_ID=S100&HASH=TOK-0001"
    response = await world.casino.client.get(url)
    assert response.status_code == 405, response.text


@pytest.mark.parametrize("path", ["/V4/CloseSession", "/v4/closesession", "/v4/CLOSESESSION"])
async def test_check_17_the_close_path_in_another_case_is_handled_the_same(
    world: World, native: dict[str, str], path: str
) -> None:
    expect(await world.casino.close_a(close_body(), path=path), 200, SUCCESS)
    await expect_cancelled_r1_and_live_kelly(world, native)


async def test_check_18_gen_b_close_with_body_token_closes_every_game(
    world: World, native: dict[str, str]
) -> None:
    body = {"secureLogin": "S100", "token": "TOK-0001", "uuid": "u1", "userId": "tester"}
    expect(await world.casino.close_b(body), 200, SUCCESS)
    await expect_gone(world, native, PUMPKIN)
    await expect_gone(world, native, KELLY)
    await expect_resumable(world)


async def test_check_18_gen_b_close_with_a_bad_token_is_error_54_and_changes_nothing(
    world: World, native: dict[str, str]
) -> None:
    body = {"secureLogin": "S100", "token": "bad", "uuid": "u1", "userId": "tester"}
    before = await snapshot(world.container, world.tenant)
    expect(await world.casino.close_b(body), 200, B54)
    assert await snapshot(world.container, world.tenant) == before
    await expect_all_alive(world, native)


async def test_every_close_answer_is_json(world: World) -> None:
    for response in (
        await world.casino.close_a(close_body(clear="2")),
        await world.casino.close_a(close_body(), token="WRONG"),
        await world.casino.close_b({"secureLogin": "S100", "token": "bad", "userId": "tester"}),
        await world.casino.close_a(CHECK_6),
    ):
        assert response.headers["content-type"].startswith("application/json"), response.text
