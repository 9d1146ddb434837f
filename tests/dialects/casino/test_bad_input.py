"""Bad input of every kind on the Gen A close endpoint answers 400 V.1 and changes nothing
(spec §2.1), and the order of checks is JSON -> V.1 -> G.0 (partner, hash) -> G.1."""

from __future__ import annotations

import pytest

from .conftest import World
from .expectations import expect, expect_all_alive
from .helpers import (
    G0,
    G1,
    PUMPKIN,
    S100,
    SUCCESS,
    USER,
    V1,
    JsonObject,
    close_body,
    signed,
    snapshot,
)

G99 = (
    '{"error":{"code":"G.99","message":"System error, should be retried, in case of constant'
    ' occurrences should be reported to Lucky Monaco."}}'
)
RAW_BODIES = {
    "empty": b"",
    "text": b"not json",
    "truncated": b'{"secureLogin":"S100"',
    "form": b"secureLogin=S100&userId=tester&hash=x",
    "not-utf8": b"\xff\xfe{}",
    "array": b'[{"secureLogin":"S100","userId":"tester"}]',
    "empty-array": b"[]",
    "string": b'"secureLogin"',
    "number": b"1",
    "null": b"null",
}


@pytest.mark.parametrize("raw", RAW_BODIES.values(), ids=RAW_BODIES.keys())
async def test_a_body_that_is_no_json_object_is_v1_and_changes_nothing(
    world: World, native: dict[str, str], raw: bytes
) -> None:
    before = await snapshot(world.container, world.tenant)
    expect(await world.casino.close_a(raw=raw), 400, V1)
    assert await snapshot(world.container, world.tenant) == before
    await expect_all_alive(world, native)


CLEAR_VALUES: dict[str, object] = {
    "true": True,
    "false": False,
    "yes": "yes",
    "int-2": 2,
    "str-2": "2",
    "minus-1": -1,
    "float-1.0": 1.0,
    "float-0.0": 0.0,
    "str-1.0": "1.0",
    "padded": " 1",
    "list": [1],
    "object": {"v": 1},
}


@pytest.mark.parametrize("clear", CLEAR_VALUES.values(), ids=CLEAR_VALUES.keys())
async def test_clear_history_other_than_0_or_1_is_v1_even_when_correctly_hashed(
    world: World, native: dict[str, str], clear: object
) -> None:
    before = await snapshot(world.container, world.tenant)
    expect(await world.casino.close_a(close_body(clear=clear)), 400, V1)
    assert await snapshot(world.container, world.tenant) == before
    await expect_all_alive(world, native)


def missing(key: str) -> JsonObject:
    """A correctly hashed check-1 body without ``key``."""
    body = {k: v for k, v in close_body().items() if k not in (key, "hash")}
    return body if key == "hash" else signed(body)


WRONG_FIELDS: dict[str, JsonObject] = {
    "no-secureLogin": missing("secureLogin"),
    "no-hash": missing("hash"),
    "no-userId": missing("userId"),
    "gameId-number": close_body(game=None, gameId=1),
    "gameId-list": close_body(game=None, gameId=[PUMPKIN]),
    "gameId-true": close_body(game=None, gameId=True),
    "userId-number": close_body(userId=12),
    "userId-null": close_body(userId=None),
    "userId-empty": close_body(userId=""),
    "secureLogin-number": close_body(secureLogin=100),
    "secureLogin-null": close_body(secureLogin=None),
    "hash-number": {**close_body(), "hash": 31469},
    "hash-null": {**close_body(), "hash": None},
    "hash-empty": {**close_body(), "hash": ""},
    "hash-list": {**close_body(), "hash": [close_body()["hash"]]},
}


@pytest.mark.parametrize("body", WRONG_FIELDS.values(), ids=WRONG_FIELDS.keys())
async def test_a_missing_or_wrongly_typed_field_is_v1_and_changes_nothing(
    world: World, native: dict[str, str], body: JsonObject
) -> None:
    before = await snapshot(world.container, world.tenant)
    expect(await world.casino.close_a(body), 400, V1)
    assert await snapshot(world.container, world.tenant) == before
    await expect_all_alive(world, native)


async def test_validation_comes_before_authentication(world: World) -> None:
    """A V.1 body with wrong credentials is still V.1 (JSON -> V.1 -> G.0)."""
    for body in (close_body(clear="2"), missing("userId"), missing("hash")):
        expect(await world.casino.close_a(body, memb="NOPE", token="WRONG"), 400, V1)


async def test_authentication_comes_before_the_game_check(world: World) -> None:
    """An unknown game with a bad hash or token is G.0, not G.1."""
    body = close_body(game="lm_999_nosuchgame")
    expect(await world.casino.close_a(body, token="WRONG"), 401, G0)
    expect(await world.casino.close_a({**body, "hash": "0" * 32}), 401, G0)
    expect(await world.casino.close_a(body), 400, G1)


@pytest.mark.parametrize(
    "query",
    ["?MEMB_ID=S100", "?HASH=TOK-0001", "?MEMB_ID=&HASH=", "?MEMB_ID=S100&HASH="],
    ids=["no-HASH", "no-MEMB_ID", "both-empty", "HASH-empty"],
)
async def test_an_incomplete_query_is_g0_and_changes_nothing(world: World, query: str) -> None:
    before = await snapshot(world.container, world.tenant)
    response = await world.casino.post("/V4/closesession" + query, close_body())
    expect(response, 401, G0)
    assert await snapshot(world.container, world.tenant) == before


async def test_a_signed_body_naming_another_login_than_the_query_is_g0(world: World) -> None:
    body = signed({"secureLogin": "s100", "userId": USER})
    expect(await world.casino.close_a(body, memb=S100), 401, G0)


async def test_an_unexpected_server_error_is_500_g99_and_changes_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("storage exploded")

    monkeypatch.setattr(world.container.sessions, "close_for_subject", boom)
    before = await snapshot(world.container, world.tenant)
    expect(await world.casino.close_a(close_body()), 500, G99)
    assert await snapshot(world.container, world.tenant) == before


async def test_a_player_id_holding_nul_is_v1_on_postgresql_and_changes_nothing(
    world: World, native: dict[str, str]
) -> None:
    """PostgreSQL cannot compare U+0000; on SQLite no player has the id, so the close is the
    documented idempotent success (spec §2.1)."""
    before = await snapshot(world.container, world.tenant)
    response = await world.casino.close_a(close_body(userId=USER + "\u0000"))
    on_postgresql = world.container.settings.database_url.startswith("postgresql")
    expect(response, *((400, V1) if on_postgresql else (200, SUCCESS)))
    assert await snapshot(world.container, world.tenant) == before
    await expect_all_alive(world, native)
