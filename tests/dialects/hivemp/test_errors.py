"""Every failure is a HiveMPSystemError with the stable codes of the dialect (spec §5, §6), and
bad input changes nothing."""

from __future__ import annotations

import httpx
import pytest

from sessionary.domain.model import Subject

from ...support import FakeClock
from .helpers import (
    PREFIX,
    Hive,
    JsonObject,
    assert_error,
    assert_ok,
    native_sessions,
    password_hash,
    quickstart,
)

SESSION_METHODS = ("GET", "POST", "DELETE")


async def test_a_missing_or_unknown_key_is_401_code_1001_on_every_endpoint(hive: Hive) -> None:
    calls = [
        ("PUT", "/authenticate"),
        ("PUT", "/authenticate/switch"),
        *[(method, "/session") for method in (*SESSION_METHODS, "PUT")],
    ]
    for method, path in calls:
        for api_key in (None, "", "0123456789abcdef0123456789abcdef"):
            data = assert_error(await hive.call(method, api_key, path=path), 401, 1001)
            assert isinstance(data["unauthorizedAdditionalInfo"], str)


async def test_a_native_credential_is_not_a_hivemp_key(hive: Hive, native: dict[str, str]) -> None:
    secret = native["Authorization"].removeprefix("Bearer ")
    assert_error(await hive.call("GET", secret), 401, 1001)


async def test_a_wrong_key_type_is_403_code_1002(
    hive: Hive, session: JsonObject, session_key: str, public_key: str, admin_key: str
) -> None:
    for method in SESSION_METHODS:
        data = assert_error(await hive.call(method, public_key, session["id"]), 403, 1002)
        assert isinstance(data["expectedSessionType"], str)
    for api_key in (session_key, admin_key):
        response = await hive.authenticate(api_key, quickstart())
        assert assert_error(response, 403, 1002)["expectedSessionType"] == "public"
        legacy = await hive.call("PUT", api_key)
        assert_error(legacy, 403, 1002)


async def test_a_user_session_key_cannot_reach_another_users_session(
    hive: Hive, session: JsonObject, public_key: str
) -> None:
    other = await hive.login(public_key)
    assert other["id"] != session["id"]
    for method in SESSION_METHODS:
        assert_error(await hive.call(method, other["apiKey"], session["id"]), 403, 1002)


@pytest.mark.parametrize(
    ("body", "parameter"),
    [
        (quickstart(requestedRole="builtin:superuser"), "requestedRole"),
        (quickstart(hash_="not-a-hash"), "passwordHash"),
        (quickstart(hash_="ab" * 40), "passwordHash"),
    ],
)
async def test_a_bad_authentication_parameter_is_400_code_1003(
    hive: Hive, account: Subject, public_key: str, body: JsonObject, parameter: str
) -> None:
    data = assert_error(await hive.authenticate(public_key, body), 400, 1003)
    assert data.get("parameterName", parameter) == parameter


@pytest.mark.parametrize(
    "content",
    [b"{", b"{'emailAddress': 1}", b'{"emailAddress": 5}', b"[]", b'"text"', b"\xff\xfe"],
)
async def test_a_malformed_authentication_body_is_400_code_1003(
    client: httpx.AsyncClient,
    native: dict[str, str],
    account: Subject,
    public_key: str,
    content: bytes,
) -> None:
    headers = {"X-API-Key": public_key, "Content-Type": "application/json"}
    response = await client.put(f"{PREFIX}/authenticate", content=content, headers=headers)
    assert_error(response, 400, 1003)
    assert await native_sessions(client, native) == []


async def test_an_admin_key_without_an_id_is_a_missing_parameter(
    hive: Hive, admin_key: str
) -> None:
    for method in SESSION_METHODS:
        data = assert_error(await hive.call(method, admin_key), 400, 1003)
        assert data["parameterName"] == "id"
        assert data["parameterIsMissing"] is True


async def test_an_unknown_session_is_404_code_1004_with_its_id(hive: Hive, admin_key: str) -> None:
    for method in SESSION_METHODS:
        response = await hive.call(method, admin_key, "us-1234567890123456")
        data = assert_error(response, 404, 1004)
        assert data["invalidSessionId"] == "us-1234567890123456"
        assert data["objectType"] == "UserSession"


@pytest.mark.parametrize("bad_id", ["lb-123", "xyz", "u-5705148370255872", "us-", "us-12a"])
async def test_a_malformed_id_is_400_code_1005(
    hive: Hive, session_key: str, admin_key: str, bad_id: str
) -> None:
    for api_key in (session_key, admin_key):
        for method in SESSION_METHODS:
            data = assert_error(await hive.call(method, api_key, bad_id), 400, 1005)
            assert data["invalidIdentifier"] == bad_id
            assert isinstance(data["invalidIdentifierReason"], str)
            assert data["invalidIdentifierExpectedType"] == "UserSession"


async def test_a_wrong_password_or_an_unknown_email_is_401_code_1006(
    hive: Hive, account: Subject, public_key: str
) -> None:
    wrong = quickstart(hash_=password_hash("wrong"))
    assert_error(await hive.authenticate(public_key, wrong), 401, 1006)
    unknown = quickstart(email="nobody@example.com")
    assert_error(await hive.authenticate(public_key, unknown), 401, 1006)


async def test_an_unknown_path_under_the_prefix_is_404_code_1007(
    hive: Hive, session_key: str
) -> None:
    for path in ("/sessions", "/session-notfound", "/role/unknown", ""):
        assert_error(await hive.call("GET", session_key, path=path), 404, 1007)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PATCH", "/session"),
        ("GET", "/authenticate"),
        ("POST", "/authenticate"),
        ("DELETE", "/authenticate/switch"),
    ],
)
async def test_a_wrong_method_is_405_code_1008(
    hive: Hive, session_key: str, method: str, path: str
) -> None:
    assert_error(await hive.call(method, session_key, path=path), 405, 1008)


async def test_bad_input_opens_no_session(
    hive: Hive,
    client: httpx.AsyncClient,
    native: dict[str, str],
    account: Subject,
    public_key: str,
    admin_key: str,
) -> None:
    assert_error(await hive.authenticate(public_key, quickstart(hash_="0" * 64)), 401, 1006)
    assert_error(await hive.authenticate(admin_key, quickstart()), 403, 1002)
    bad_role = quickstart(requestedRole="builtin:admin")
    assert_error(await hive.authenticate(public_key, bad_role), 403, 1002)
    legacy = {"authenticationProvider": "password", "credentials": "test@example.com:" + "0" * 64}
    response = await client.put(
        f"{PREFIX}/session", params=legacy, headers={"X-API-Key": public_key}
    )
    assert_error(response, 401, 1006)
    assert await native_sessions(client, native) == []


async def test_bad_input_does_not_move_the_expiry(
    hive: Hive, session: JsonObject, session_key: str, public_key: str, clock: FakeClock
) -> None:
    clock.advance(60)
    assert_error(await hive.call("POST", session_key, "lb-123"), 400, 1005)
    assert_error(await hive.call("POST", public_key), 403, 1002)
    assert_error(await hive.call("DELETE", session_key, "xyz"), 400, 1005)
    body = assert_ok(await hive.call("GET", session_key))
    assert body["expiry"] == session["expiry"]


async def test_a_success_is_exactly_200_and_delete_is_the_four_bytes_true(
    hive: Hive, session: JsonObject, admin_key: str, public_key: str
) -> None:
    other = await hive.login(public_key)
    for response in (
        await hive.call("GET", admin_key, other["id"]),
        await hive.call("POST", admin_key, other["id"]),
    ):
        assert assert_ok(response)["id"] == other["id"]
    deleted = await hive.call("DELETE", admin_key, other["id"])
    assert deleted.status_code == 200
    assert deleted.headers["content-type"].startswith("application/json")
    assert deleted.content == b"true"
    assert assert_ok(await hive.call("GET", admin_key, session["id"]))["id"] == session["id"]
