"""History (spec §4): GetGameRounds filters by userId, gameId, dateStart and dateEnd, pages
with page/limit (limit <= 1000) and shows only the calling partner's rounds; GetRoundStatus
answers 17 for another partner's round. Health: heartbeat envelope and a bare livetest."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from sessionary.dialects.casino.partners import create_partner
from sessionary.http.timefmt import iso
from tests.conftest import TEST_ACTOR
from tests.support import FakeClock

from .conftest import World
from .expectations import expect
from .helpers import B17, B21, B54, KELLY, PUMPKIN, S100, SUCCESS, TOK, JsonObject

HOUR = 3600


@dataclass(frozen=True, slots=True)
class Rounds:
    """R1 (t0, pumpkin, tester), R2 (t0+1h, kelly, tester, Completed), R3 (t0+2h, pumpkin,
    alice), and S200's own tester round R4 (t0+2h, pumpkin)."""

    t0: int
    r1: str
    r2: str
    r3: str
    r4: str


@pytest.fixture
async def rounds(world: World, clock: FakeClock) -> Rounds:
    t0 = clock.now()
    casino = world.casino
    clock.advance(HOUR)
    r2 = await casino.new_round(world.kelly)
    assert (await casino.finish(world.kelly, r2, {"win": 0})).status_code == 200
    clock.advance(HOUR)
    r3 = await casino.new_round(await casino.start_b("alice", PUMPKIN))
    await create_partner(world.container, world.tenant.name, TEST_ACTOR, "S200", "TOK-0002", "k2")
    r4 = await casino.new_round(await casino.start_b("tester", PUMPKIN, "S200", "TOK-0002"))
    return Rounds(t0, world.r1, r2, r3, r4)


async def listed(
    world: World, body: JsonObject, login: str = S100, token: str = TOK
) -> tuple[int, list[str]]:
    """``totalRounds`` and the round ids of one GetGameRounds page."""
    response = await world.casino.history("GetGameRounds", body, login, token)
    data = response.json()
    assert (response.status_code, data["error"], data["description"]) == (200, 0, "Success")
    return int(data["totalRounds"]), [str(r["roundId"]) for r in data["rounds"]]


def at(rounds: Rounds, minutes: int) -> str:
    return iso(rounds.t0 + minutes * 60_000_000)


async def test_get_game_rounds_lists_the_partners_rounds_oldest_first(
    world: World, rounds: Rounds
) -> None:
    assert await listed(world, {}) == (3, [rounds.r1, rounds.r2, rounds.r3])


async def test_each_round_carries_the_documented_fields(world: World, rounds: Rounds) -> None:
    response = await world.casino.history("GetGameRounds", {"userId": "tester"})
    first, second = response.json()["rounds"]
    assert list(first) == [
        "dateTime",
        "gameId",
        "gameName",
        "roundId",
        "userId",
        "currency",
        "betAmount",
        "winAmount",
        "balance",
        "roundStatus",
        "roundDetails",
    ]
    assert first["dateTime"] == iso(rounds.t0)
    assert (first["roundId"], first["userId"], first["gameId"]) == (rounds.r1, "tester", PUMPKIN)
    assert (first["roundStatus"], first["betAmount"], first["currency"]) == (
        "InProgress",
        1.5,
        "USD",
    )
    assert (second["roundStatus"], second["gameId"], second["winAmount"]) == ("Completed", KELLY, 0)


async def test_each_round_carries_the_catalogue_name_of_its_game(
    world: World, rounds: Rounds
) -> None:
    response = await world.casino.history("GetGameRounds", {"userId": "tester"})
    names = [r["gameName"] for r in response.json()["rounds"]]
    assert names == ["Pumpkin Farm", "Kelly's Wheel Double"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"userId": "tester"}, ["r1", "r2"]),
        ({"userId": "alice"}, ["r3"]),
        ({"userId": "nobody"}, []),
        ({"gameId": PUMPKIN}, ["r1", "r3"]),
        ({"gameId": KELLY}, ["r2"]),
        ({"userId": "tester", "gameId": PUMPKIN}, ["r1"]),
        ({"gameId": "lm_999_nosuchgame"}, []),
    ],
)
async def test_get_game_rounds_filters_by_user_and_game(
    world: World, rounds: Rounds, body: JsonObject, expected: list[str]
) -> None:
    ids = [getattr(rounds, name) for name in expected]
    assert await listed(world, body) == (len(ids), ids)


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        ((30, None), ["r2", "r3"]),
        ((None, 90), ["r1", "r2"]),
        ((30, 90), ["r2"]),
        ((0, 1), ["r1"]),
        ((150, None), []),
    ],
)
async def test_get_game_rounds_filters_by_date_start_and_date_end(
    world: World, rounds: Rounds, window: tuple[int | None, int | None], expected: list[str]
) -> None:
    body: JsonObject = {}
    if window[0] is not None:
        body["dateStart"] = at(rounds, window[0])
    if window[1] is not None:
        body["dateEnd"] = at(rounds, window[1])
    ids = [getattr(rounds, name) for name in expected]
    assert await listed(world, body) == (len(ids), ids)


async def test_get_game_rounds_pages_with_page_and_limit(world: World, rounds: Rounds) -> None:
    assert await listed(world, {"limit": 2}) == (3, [rounds.r1, rounds.r2])
    assert await listed(world, {"limit": 2, "page": 2}) == (3, [rounds.r3])
    assert await listed(world, {"limit": 2, "page": 3}) == (3, [])
    assert await listed(world, {"limit": 1, "page": "2"}) == (3, [rounds.r2])
    assert await listed(world, {"limit": 1000}) == (3, [rounds.r1, rounds.r2, rounds.r3])


async def test_a_page_far_beyond_the_end_is_empty(world: World, rounds: Rounds) -> None:
    assert await listed(world, {"page": 2**31, "limit": 1000}) == (3, [])


@pytest.mark.parametrize(
    "body",
    [
        {"limit": 1001},
        {"page": 2**31 + 1},
        {"limit": 0},
        {"page": 0},
        {"limit": -1},
        {"limit": "many"},
        {"limit": True},
        {"limit": 2.5},
        {"dateStart": "yesterday"},
    ],
)
async def test_get_game_rounds_refuses_bad_paging_or_dates_with_21(
    world: World, rounds: Rounds, body: JsonObject
) -> None:
    expect(await world.casino.history("GetGameRounds", body), 200, B21)


async def test_get_game_rounds_shows_another_partner_only_its_own_rounds(
    world: World, rounds: Rounds
) -> None:
    assert await listed(world, {}, "S200", "TOK-0002") == (1, [rounds.r4])
    assert await listed(world, {"userId": "tester"}, "S200", "TOK-0002") == (1, [rounds.r4])
    assert await listed(world, {"userId": "tester"}) == (2, [rounds.r1, rounds.r2])


async def test_history_with_bad_or_missing_credentials_is_54_or_21(world: World) -> None:
    expect(await world.casino.history("GetGameRounds", {}, token="bad"), 200, B54)
    expect(await world.casino.history("GetRoundStatus", {"roundId": world.r1}, "S200"), 200, B54)
    response = await world.casino.post("/history/GetGameRounds", {"secureLogin": "S100"})
    expect(response, 200, B21)


async def test_get_round_status_of_another_partners_round_is_17(
    world: World, rounds: Rounds
) -> None:
    expect(await world.casino.history("GetRoundStatus", {"roundId": rounds.r4}), 200, B17)
    body = {"roundId": rounds.r1}
    expect(await world.casino.history("GetRoundStatus", body, "S200", "TOK-0002"), 200, B17)
    assert await world.casino.status(rounds.r4, "S200", "TOK-0002") == "InProgress"


@pytest.mark.parametrize(("body", "text"), [({"roundId": "0"}, B17), ({}, B21)])
async def test_get_round_status_of_an_unknown_or_missing_round_is_17_or_21(
    world: World, body: JsonObject, text: str
) -> None:
    expect(await world.casino.history("GetRoundStatus", body), 200, text)


@pytest.mark.parametrize("path", ["/V4/health/heartbeatcheck", "/v4/HealthCheck"])
async def test_the_heartbeat_check_answers_the_success_envelope(world: World, path: str) -> None:
    expect(await world.casino.post(path, {}), 200, SUCCESS)


async def test_livetest_is_a_bare_200(world: World) -> None:
    response = await world.casino.client.get(f"{world.casino.prefix}/V4/livetest")
    assert (response.status_code, response.content) == (200, b"")
