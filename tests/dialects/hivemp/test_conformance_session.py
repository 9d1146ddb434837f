"""Conformance checks 4-7, 10-13 and 16 of spec §11: POST, GET and DELETE /session."""

from __future__ import annotations

import httpx

from sessionary.domain.model import SECOND

from ...support import FakeClock
from .helpers import (
    PREFIX,
    Hive,
    JsonObject,
    assert_error,
    assert_ok,
    assert_user_session,
    key,
)


def now_s(clock: FakeClock) -> int:
    return clock.now() // SECOND


async def test_check_4_an_empty_post_resets_the_callers_own_session(
    hive: Hive, session: JsonObject, session_key: str, clock: FakeClock
) -> None:
    body = assert_user_session(assert_ok(await hive.call("POST", session_key)))
    assert body["id"] == session["id"]
    assert body["expiry"] >= now_s(clock) + 3599
    assert "apiKey" not in body and "secretKey" not in body


async def test_check_4_an_empty_text_plain_post_is_accepted(
    client: httpx.AsyncClient, session: JsonObject, session_key: str, clock: FakeClock
) -> None:
    headers = {**key(session_key), "Content-Type": "text/plain"}
    response = await client.post(f"{PREFIX}/session", content=b"", headers=headers)
    body = assert_user_session(assert_ok(response))
    assert body["id"] == session["id"]
    assert body["expiry"] >= now_s(clock) + 3599
    assert "apiKey" not in body


async def test_check_5_post_with_the_id_resets_expiry_to_now_plus_an_hour(
    hive: Hive, session: JsonObject, session_key: str, clock: FakeClock
) -> None:
    first = assert_user_session(assert_ok(await hive.call("POST", session_key, session["id"])))
    assert first["id"] == session["id"]
    clock.advance(10)
    second = assert_user_session(assert_ok(await hive.call("POST", session_key, session["id"])))
    assert second["id"] == session["id"]
    assert abs(second["expiry"] - first["expiry"] - 10) <= 1
    assert abs(second["expiry"] - (now_s(clock) + 3600)) <= 1
    assert second["start"] == first["start"] == session["start"]


async def test_check_6_an_empty_id_behaves_like_no_id(
    hive: Hive, session: JsonObject, session_key: str, clock: FakeClock
) -> None:
    body = assert_user_session(assert_ok(await hive.call("POST", session_key, "")))
    assert body["id"] == session["id"]
    assert body["expiry"] >= now_s(clock) + 3599


async def test_check_7_the_ue4_api_key_header_is_accepted(
    client: httpx.AsyncClient, session: JsonObject, session_key: str
) -> None:
    response = await client.post(f"{PREFIX}/session", headers={"api_key": session_key})
    assert assert_ok(response)["id"] == session["id"]


async def test_check_10_get_returns_the_session_with_every_field_typed_as_in_5(
    hive: Hive, session: JsonObject, session_key: str
) -> None:
    body = assert_user_session(assert_ok(await hive.call("GET", session_key, session["id"])))
    assert body["id"] == session["id"]
    assert body["accountId"] == session["accountId"]
    assert body["projectId"] == session["projectId"]
    assert body["start"] == session["start"]
    assert body["expiry"] == session["expiry"]
    assert body["metered"] is True
    assert "apiKey" not in body and "secretKey" not in body


async def test_check_11_delete_without_id_answers_exactly_true(
    hive: Hive, session_key: str
) -> None:
    response = await hive.call("DELETE", session_key)
    assert response.status_code == 200
    assert response.content == b"true"
    assert len(response.content) == 4
    assert response.headers["content-type"].startswith("application/json")


async def test_check_12_after_delete_the_key_and_the_session_are_gone(
    hive: Hive, session: JsonObject, session_key: str
) -> None:
    assert (await hive.call("DELETE", session_key)).content == b"true"
    post = await hive.call("POST", session_key)
    assert post.status_code != 200
    assert_error(post, 401, 1001)
    again = await hive.call("DELETE", session_key)
    assert again.status_code != 200
    assert again.content != b"false"
    assert_error(again, 401, 1001)


async def test_check_12_an_admin_sees_the_deleted_session_as_not_found(
    hive: Hive, session: JsonObject, session_key: str, admin_key: str
) -> None:
    assert (await hive.call("DELETE", session_key)).content == b"true"
    for method in ("GET", "POST", "DELETE"):
        data = assert_error(await hive.call(method, admin_key, session["id"]), 404, 1004)
        assert data["invalidSessionId"] == session["id"]
        assert data["objectType"] == "UserSession"


async def test_check_13_deleting_an_unknown_session_with_the_admin_key_is_404(
    hive: Hive, admin_key: str
) -> None:
    response = await hive.call("DELETE", admin_key, "us-0000000000000000")
    data = assert_error(response, 404, 1004)
    assert data.get("invalidSessionId") == "us-0000000000000000" or data.get("objectType")
    assert data["objectType"] == "UserSession"


async def test_check_16_every_success_is_exactly_200_with_a_json_body(
    hive: Hive, client: httpx.AsyncClient, session: JsonObject, session_key: str
) -> None:
    responses = [
        await hive.call("GET", session_key),
        await hive.call("GET", session_key, session["id"]),
        await hive.call("POST", session_key),
        await hive.call("POST", session_key, session["id"]),
        await client.get("/hivemp/metadata.json"),
        await client.get(f"{PREFIX}/swagger.json"),
        await client.get("/hivemp/latest/swagger.json"),
        await hive.call("DELETE", session_key),
    ]
    for response in responses:
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].split(";")[0].strip() == "application/json"
        assert response.content
        assert response.json() is not None
