"""A deleted or expired session's key is refused at once, also by a second app instance that
shares the database and has the key in its auth cache (spec §4.4, §7)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from sessionary.bootstrap import build
from sessionary.config import Settings
from sessionary.http.app import create_app

from ...support import FakeClock
from .helpers import Hive, JsonObject, assert_error, assert_ok


@pytest.fixture
async def second(settings: Settings, clock: FakeClock) -> AsyncIterator[Hive]:
    """Another node: its own container (auth cache, limiter) on the same database and clock."""
    container = build(settings, clock=clock)
    app = create_app(container)
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with (
        app.lifespan(),
        httpx.AsyncClient(transport=transport, base_url="http://second") as second_client,
    ):
        yield Hive(second_client)


async def warm(node: Hive, session: JsonObject, session_key: str) -> None:
    """A call on the node, so its auth cache holds the key."""
    for _ in range(2):
        assert assert_ok(await node.call("GET", session_key))["id"] == session["id"]


async def test_a_deleted_sessions_key_is_refused_at_once_on_the_same_node(
    hive: Hive, session: JsonObject, session_key: str
) -> None:
    await warm(hive, session, session_key)
    assert (await hive.call("DELETE", session_key)).content == b"true"
    for method in ("GET", "POST", "DELETE"):
        assert_error(await hive.call(method, session_key), 401, 1001)


async def test_a_deleted_sessions_key_is_refused_at_once_by_a_second_node(
    hive: Hive, second: Hive, session: JsonObject, session_key: str
) -> None:
    await warm(second, session, session_key)
    assert (await hive.call("DELETE", session_key)).content == b"true"
    for method in ("GET", "POST", "DELETE"):
        assert_error(await second.call(method, session_key), 401, 1001)


async def test_a_session_deleted_by_an_admin_refuses_its_key_on_a_second_node(
    hive: Hive, second: Hive, session: JsonObject, session_key: str, admin_key: str
) -> None:
    await warm(second, session, session_key)
    deleted = await hive.call("DELETE", admin_key, session["id"])
    assert deleted.status_code == 200 and deleted.content == b"true"
    assert_error(await second.call("POST", session_key), 401, 1001)
    data = assert_error(await second.call("GET", admin_key, session["id"]), 404, 1004)
    assert data["invalidSessionId"] == session["id"]


async def test_an_expired_sessions_key_is_refused_at_once_by_both_nodes(
    hive: Hive, second: Hive, session: JsonObject, session_key: str, clock: FakeClock
) -> None:
    await warm(hive, session, session_key)
    await warm(second, session, session_key)
    clock.advance(3600)
    for node in (hive, second):
        data = assert_error(await node.call("POST", session_key), 401, 1001)
        assert data.get("invalidSessionId") == session["id"]


async def test_an_extension_on_one_node_is_seen_by_the_other(
    hive: Hive, second: Hive, session: JsonObject, session_key: str, clock: FakeClock
) -> None:
    await warm(second, session, session_key)
    clock.advance(3000)
    extended = assert_ok(await hive.call("POST", session_key))
    clock.advance(1000)
    body = assert_ok(await second.call("GET", session_key))
    assert body["expiry"] == extended["expiry"]


async def test_a_deleted_sessions_key_gets_the_same_invalid_session_error_on_every_node(
    hive: Hive, second: Hive, session: JsonObject, session_key: str
) -> None:
    """§4.4: after deletion any call with the key gets an "invalid session" error (§6:
    ``invalidSessionId``), on a node that never saw the key as on the one that deleted it."""
    await warm(hive, session, session_key)
    assert (await hive.call("DELETE", session_key)).content == b"true"
    for node in (hive, second):
        data = assert_error(await node.call("POST", session_key), 401, 1001)
        assert data.get("invalidSessionId") == session["id"], node.client.base_url
