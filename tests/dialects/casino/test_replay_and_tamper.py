"""Issue 6 "Done means": a replayed close changes nothing and still succeeds; a body changed
after signing (any field, hash kept) is refused with G.0 and changes nothing; hex case is free."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from .conftest import World
from .expectations import expect, expect_all_alive, expect_gone
from .helpers import G0, KELLY, PUMPKIN, SUCCESS, JsonObject, close_body, lifecycle, snapshot

Tamper = Callable[[JsonObject], JsonObject]


def changed(key: str, value: object) -> Tamper:
    return lambda body: {**body, key: value}


def dropped(key: str) -> Tamper:
    return lambda body: {k: v for k, v in body.items() if k != key}


def renamed(old: str, new: str) -> Tamper:
    return lambda body: {(new if k == old else k): v for k, v in body.items()}


TAMPERS: dict[str, Tamper] = {
    "userId-other-player": changed("userId", "tester2"),
    "userId-case": changed("userId", "Tester"),
    "gameId-other-game": changed("gameId", KELLY),
    "clearHistory-1-to-0": changed("clearHistory", "0"),
    "clearHistory-1-to-int-0": changed("clearHistory", 0),
    "secureLogin-trailing-space": changed("secureLogin", "S100 "),
    "gameId-dropped": dropped("gameId"),
    "clearHistory-dropped": dropped("clearHistory"),
    "extra-field-added": changed("uuid", "u-1"),
    "userId-renamed-externalPlayerId": renamed("userId", "externalPlayerId"),
}


async def test_a_replayed_close_still_answers_success_and_changes_nothing(
    world: World, native: dict[str, str]
) -> None:
    body = close_body()
    expect(await world.casino.close_a(body), 200, SUCCESS)
    after_first = await snapshot(world.container, world.tenant)
    for _ in range(3):
        expect(await world.casino.close_a(body), 200, SUCCESS)
    assert await snapshot(world.container, world.tenant) == after_first
    records = await lifecycle(world.container, world.tenant, world.pumpkin_session)
    assert [r["type"] for r in records].count("work_cancel_requested") == 1
    await expect_gone(world, native, PUMPKIN)
    assert await world.casino.status(world.r1) == "CancelInProcess"


async def test_a_replayed_close_after_settling_does_not_reopen_or_recancel_the_round(
    world: World,
) -> None:
    body = close_body()
    expect(await world.casino.close_a(body), 200, SUCCESS)
    await world.container.sweeper.settle_cancellations()
    after = await snapshot(world.container, world.tenant)
    expect(await world.casino.close_a(body), 200, SUCCESS)
    assert await snapshot(world.container, world.tenant) == after
    assert await world.casino.status(world.r1) == "Cancelled"


@pytest.mark.parametrize("tamper", TAMPERS.values(), ids=TAMPERS.keys())
async def test_a_body_changed_after_signing_is_refused_with_g0_and_changes_nothing(
    world: World, native: dict[str, str], tamper: Tamper
) -> None:
    body = tamper(close_body())
    assert body != close_body()
    before = await snapshot(world.container, world.tenant)
    expect(await world.casino.close_a(body), 401, G0)
    assert await snapshot(world.container, world.tenant) == before
    await expect_all_alive(world, native)
    assert await world.casino.status(world.r1) == "InProgress"


async def test_a_hash_with_one_digit_changed_is_refused_with_g0(world: World) -> None:
    body = close_body()
    digest = str(body["hash"])
    body["hash"] = digest[:-1] + ("0" if digest[-1] != "0" else "1")
    before = await snapshot(world.container, world.tenant)
    expect(await world.casino.close_a(body), 401, G0)
    assert await snapshot(world.container, world.tenant) == before


@pytest.mark.parametrize("case", ["upper", "mixed"])
async def test_a_hash_in_upper_or_mixed_case_hex_is_accepted(
    world: World, native: dict[str, str], case: str
) -> None:
    body = close_body()
    digest = str(body["hash"])
    if case == "upper":
        body["hash"] = digest.upper()
    else:
        body["hash"] = "".join(ch.upper() if i % 2 else ch for i, ch in enumerate(digest))
    expect(await world.casino.close_a(body), 200, SUCCESS)
    await expect_gone(world, native, PUMPKIN)
