"""Our own failures answer in the caller's generation's shape: Gen B numeric (998 "retry" while
the database is unavailable, 999 otherwise) with a 5XX status; Gen A keeps G.99."""

from __future__ import annotations

import pytest

from sessionary.domain.errors import StorageUnavailable

from .conftest import World
from .expectations import expect
from .helpers import USER, close_body

B998 = '{"error":998,"description":"Internal error, should be retried."}'
B999 = '{"error":999,"description":"Internal error, should be reported to Lucky Monaco."}'
G99 = (
    '{"error":{"code":"G.99","message":"System error, should be retried, in case of constant'
    ' occurrences should be reported to Lucky Monaco."}}'
)
GEN_B = {"secureLogin": "S100", "token": "TOK-0001", "uuid": "u1", "userId": USER}


def failing(monkeypatch: pytest.MonkeyPatch, world: World, exc: Exception) -> None:
    async def boom(*args: object, **kwargs: object) -> None:
        raise exc

    monkeypatch.setattr(world.container.sessions, "close_for_subject", boom)


@pytest.mark.parametrize("path", ["/v4/CloseSession", "/V4/closesession"])
async def test_an_unexpected_error_on_a_gen_b_call_is_500_with_numeric_error_999(
    world: World, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    failing(monkeypatch, world, RuntimeError("exploded"))
    expect(await world.casino.close_b(GEN_B, path=path), 500, B999)


async def test_an_unavailable_database_on_a_gen_b_call_is_503_with_numeric_error_998(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    failing(monkeypatch, world, StorageUnavailable("down"))
    expect(await world.casino.close_b(GEN_B), 503, B998)


async def test_gen_a_calls_keep_g99_for_the_same_failures(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    failing(monkeypatch, world, StorageUnavailable("down"))
    expect(await world.casino.close_a(close_body()), 503, G99)
    failing(monkeypatch, world, RuntimeError("exploded"))
    expect(await world.casino.close_a(close_body()), 500, G99)
