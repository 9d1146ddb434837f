"""The player's other games stay live when gameId is given; other partners' players, in the
same tenant (S200) or another (globex, whose partner is also called S100), are never touched."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from sessionary.dialects.casino.partners import add_game, create_partner
from sessionary.domain.model import Tenant
from tests.conftest import TEST_ACTOR, key_headers

from .conftest import World
from .expectations import expect, expect_alive, expect_gone
from .helpers import B54, G0, KELLY, PUMPKIN, SUCCESS, USER, close_body, signed, snapshot


@dataclass(frozen=True, slots=True)
class Others:
    s200_tokens: tuple[str, str]
    s200_round: str
    globex_tokens: tuple[str, str]
    globex_round: str
    globex: Tenant


@pytest.fixture
async def others(world: World, other_tenant: Tenant) -> Others:
    c, casino = world.container, world.casino
    await create_partner(c, world.tenant.name, TEST_ACTOR, "S200", "TOK-0002", "key200")
    await create_partner(c, other_tenant.name, TEST_ACTOR, "S100", "TOK-0003", "key300")
    for game, name in ((PUMPKIN, "Pumpkin"), (KELLY, "Kelly")):
        await add_game(c, other_tenant.name, game, name, TEST_ACTOR)
    s200 = (
        await casino.start_b(USER, PUMPKIN, "S200", "TOK-0002"),
        await casino.start_b(USER, KELLY, "S200", "TOK-0002"),
    )
    globex = (
        await casino.start_b(USER, PUMPKIN, "S100", "TOK-0003"),
        await casino.start_b(USER, KELLY, "S100", "TOK-0003"),
    )
    s200_round = await casino.new_round(s200[0])
    globex_round = await casino.new_round(globex[0])
    return Others(s200, s200_round, globex, globex_round, other_tenant)


async def expect_others_untouched(world: World, others: Others) -> None:
    for token in (*others.s200_tokens, *others.globex_tokens):
        response = await world.casino.game(token)
        assert response.status_code == 200, response.text
    assert await world.casino.status(others.s200_round, "S200", "TOK-0002") == "InProgress"
    assert await world.casino.status(others.globex_round, "S100", "TOK-0003") == "InProgress"


async def test_closing_one_game_with_clear_history_leaves_the_other_game_and_its_round_alone(
    world: World, native: dict[str, str]
) -> None:
    kelly_round = await world.casino.new_round(world.kelly)
    expect(await world.casino.close_a(close_body(game=KELLY)), 200, SUCCESS)
    await expect_gone(world, native, KELLY)
    await expect_alive(world, native, PUMPKIN)
    assert await world.casino.status(kelly_round) == "CancelInProcess"
    assert await world.casino.status(world.r1) == "InProgress"


async def test_closing_s100_tester_everywhere_touches_no_other_partners_tester(
    world: World, native: dict[str, str], others: Others
) -> None:
    other_before = await snapshot(world.container, others.globex)
    expect(await world.casino.close_a(close_body(game=None)), 200, SUCCESS)
    await expect_gone(world, native, PUMPKIN)
    await expect_gone(world, native, KELLY)
    assert await world.casino.status(world.r1) == "CancelInProcess"
    await expect_others_untouched(world, others)
    assert await snapshot(world.container, others.globex) == other_before


async def test_gen_b_close_of_s100_tester_touches_no_other_partners_tester(
    world: World, native: dict[str, str], others: Others
) -> None:
    body = {"secureLogin": "S100", "token": "TOK-0001", "uuid": "u", "userId": USER}
    expect(await world.casino.close_b({**body, "clearHistory": 1}), 200, SUCCESS)
    await expect_gone(world, native, PUMPKIN)
    await expect_others_untouched(world, others)


async def test_s200_closing_its_own_tester_leaves_s100_tester_alone(
    world: World, native: dict[str, str], others: Others
) -> None:
    body = signed({"secureLogin": "S200", "userId": USER, "clearHistory": "1"}, "key200")
    expect(await world.casino.close_a(body, memb="S200", token="TOK-0002"), 200, SUCCESS)
    for token in others.s200_tokens:
        assert (await world.casino.game(token)).status_code == 401
    assert await world.casino.status(others.s200_round, "S200", "TOK-0002") == "CancelInProcess"
    await expect_alive(world, native, PUMPKIN)
    await expect_alive(world, native, KELLY)
    assert await world.casino.status(world.r1) == "InProgress"


async def test_the_globex_partner_named_s100_cannot_reach_acme_players(
    world: World, native: dict[str, str], others: Others
) -> None:
    body = signed({"secureLogin": "S100", "userId": USER, "clearHistory": "1"}, "key300")
    expect(await world.casino.close_a(body, memb="S100", token="TOK-0003"), 200, SUCCESS)
    for token in others.globex_tokens:
        assert (await world.casino.game(token)).status_code == 401
    await expect_alive(world, native, PUMPKIN)
    await expect_alive(world, native, KELLY)
    assert await world.casino.status(world.r1) == "InProgress"


@pytest.mark.parametrize(
    ("memb", "token", "secret"),
    [
        ("S100", "TOK-0002", "key200"),
        ("S100", "TOK-0002", "testKey"),
        ("S200", "TOK-0002", "key200"),
        ("S100", "TOK-0003", "testKey"),
    ],
    ids=["s200-token-s200-secret", "s200-token-s100-secret", "memb-s200", "globex-token"],
)
async def test_another_partners_credentials_cannot_close_s100_sessions(
    world: World, native: dict[str, str], others: Others, memb: str, token: str, secret: str
) -> None:
    body = signed({"secureLogin": "S100", "userId": USER, "clearHistory": "1"}, secret)
    before = await snapshot(world.container, world.tenant, others.globex)
    expect(await world.casino.close_a(body, memb=memb, token=token), 401, G0)
    assert await snapshot(world.container, world.tenant, others.globex) == before
    await expect_alive(world, native, PUMPKIN)


@pytest.mark.parametrize("token", ["TOK-0002", "TOK-0003"])
async def test_gen_b_with_another_partners_token_and_s100_login_is_error_54(
    world: World, native: dict[str, str], others: Others, token: str
) -> None:
    body = {"secureLogin": "S100" if token == "TOK-0002" else "S200", "token": token}
    body.update(uuid="u", userId=USER)
    before = await snapshot(world.container, world.tenant, others.globex)
    expect(await world.casino.close_b(body), 200, B54)
    assert await snapshot(world.container, world.tenant, others.globex) == before
    await expect_alive(world, native, PUMPKIN)


async def test_a_game_token_or_a_native_key_is_no_partner_token(world: World) -> None:
    native_key = await key_headers(world.container, world.tenant.pk)
    secret = native_key["Authorization"].removeprefix("Bearer ")
    for token in (world.pumpkin, secret):
        body = {"secureLogin": "S100", "token": token, "uuid": "u", "userId": USER}
        expect(await world.casino.close_b(body), 200, B54)
    await expect_alive(world, await key_headers(world.container, world.tenant.pk), PUMPKIN)


async def test_history_of_a_partner_in_another_tenant_never_shows_acme_rounds(
    world: World, others: Others
) -> None:
    response = await world.casino.history(
        "GetRoundStatus", {"roundId": world.r1}, "S100", "TOK-0003"
    )
    assert response.json() == {"error": 17, "description": "No data."}
    listed = await world.casino.history("GetGameRounds", {}, "S100", "TOK-0003")
    assert [r["roundId"] for r in listed.json()["rounds"]] == [others.globex_round]


async def test_casino_tokens_open_nothing_on_the_native_api(world: World) -> None:
    for token in (world.pumpkin, "TOK-0001"):
        headers = {"Authorization": f"Bearer {token}"}
        response = await world.casino.client.get("/v1/sessions", headers=headers)
        assert response.status_code in (401, 403), response.text
