"""Conformance checks 1-3, 8, 9, 14 and 15 of spec §11: logging in, keys, unknown paths."""

from __future__ import annotations

import httpx

from sessionary.domain.model import Subject

from .helpers import (
    ACCOUNT_ID,
    PREFIX,
    SESSION_ID,
    Hive,
    JsonObject,
    assert_error,
    assert_ok,
    assert_user_session,
    empty_tokens,
    native_sessions,
    password_hash,
    quickstart,
)


async def test_check_1_the_quickstart_login_opens_a_metered_one_hour_session(
    hive: Hive, account: Subject, public_key: str
) -> None:
    body = assert_ok(await hive.authenticate(public_key, quickstart()))
    session = assert_user_session(body["authenticatedSession"])
    assert SESSION_ID.match(session["id"])
    assert ACCOUNT_ID.match(session["accountId"])
    assert session["accountId"] == account.external_id
    assert isinstance(session["apiKey"], str) and session["apiKey"]
    assert session["billedMinutes"] == 0
    assert session["metered"] is True
    assert abs(session["expiry"] - session["start"] - 3600) <= 2


async def test_check_2_a_wrong_password_hash_is_an_error_and_never_a_session(
    hive: Hive, account: Subject, public_key: str
) -> None:
    response = await hive.authenticate(public_key, quickstart(hash_=password_hash("nope")))
    assert response.status_code != 200
    assert_error(response, 401, 1006)
    assert "apiKey" not in response.text


async def test_check_3_empty_tokens_and_no_email_answer_200_with_prompt_flags(
    hive: Hive, account: Subject, public_key: str
) -> None:
    body = assert_ok(await hive.authenticate(public_key, {"tokens": empty_tokens()}))
    assert body["authenticatedSession"] is None
    prompts = [name for name, value in body.items() if name.startswith("promptFor")]
    assert prompts
    assert any(body[name] is True for name in prompts)
    assert body["promptForEmailAddress"] is True


async def test_check_3_a_prompt_answer_opens_no_session(
    hive: Hive,
    client: httpx.AsyncClient,
    native: dict[str, str],
    account: Subject,
    public_key: str,
) -> None:
    body = assert_ok(await hive.authenticate(public_key, {"emailAddress": "test@example.com"}))
    assert body["authenticatedSession"] is None
    assert body["promptForPassword"] is True
    assert await native_sessions(client, native) == []


async def test_check_8_a_call_without_a_key_is_refused(hive: Hive, session_key: str) -> None:
    data = assert_error(await hive.call("POST", None), 401, 1001)
    assert isinstance(data.get("unauthorizedAdditionalInfo"), str)


async def test_check_8_an_empty_x_api_key_header_counts_as_no_key(
    hive: Hive, session_key: str
) -> None:
    assert_error(await hive.call("POST", ""), 401, 1001)
    assert_error(await hive.call("POST", None, headers={"X-API-Key": "   "}), 401, 1001)


async def test_check_8_an_unknown_key_is_refused(hive: Hive, session_key: str) -> None:
    assert_error(await hive.call("POST", "0" * 32), 401, 1001)


async def test_check_9_a_public_key_cannot_extend_a_session(
    hive: Hive, session: JsonObject, public_key: str
) -> None:
    data = assert_error(await hive.call("POST", public_key), 403, 1002)
    assert isinstance(data.get("expectedSessionType"), str)
    assert_error(await hive.call("POST", public_key, session["id"]), 403, 1002)


async def test_check_14_a_user_session_key_cannot_switch_projects(
    hive: Hive, session_key: str
) -> None:
    response = await hive.call("PUT", session_key, path="/authenticate/switch")
    data = assert_error(response, 403, 1002)
    assert data.get("expectedSessionType") == "admin"


async def test_check_14_an_admin_key_is_not_rejected_by_switch_for_its_key_type(
    hive: Hive, admin_key: str
) -> None:
    response = await hive.call("PUT", admin_key, path="/authenticate/switch")
    body = assert_ok(response)
    assert "authenticatedSession" in body


async def test_check_15_an_unknown_path_answers_a_parseable_json_error(
    hive: Hive, session_key: str
) -> None:
    response = await hive.call("GET", session_key, path="/session-notfound")
    assert response.status_code != 200
    assert_error(response, 404, 1007)


async def test_check_15_unknown_paths_anywhere_under_the_root_are_json_errors(
    client: httpx.AsyncClient, session_key: str
) -> None:
    for path in ("/hivemp/v2/session", "/hivemp/nothing", f"{PREFIX}/session/extra"):
        response = await client.get(path, headers={"X-API-Key": session_key})
        assert_error(response, 404, 1007)
