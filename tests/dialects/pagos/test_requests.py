"""Request bodies (spec §3-§5): case-insensitive keys, extra keys ignored, token checks first,
unparsable bodies, SessionId validation, and sessions bound to the client that opened them."""

from __future__ import annotations

import pytest

from .helpers import (
    APP_INVALID,
    APP_REQUIRED,
    CLOSE,
    OPEN,
    RESTRICTED,
    SESSION_GONE,
    SESSION_ID_REQUIRED,
    UNKNOWN_APP,
    UNPARSABLE,
    Pagos,
    PagosClient,
    close_failure,
    closed,
    expect,
    open_failure,
)

BAD_BODIES = [b"", b"not json", b"[]", b'[{"ApplicationKey": "x"}]', b"null", b'"text"', b"{"]


async def test_request_keys_are_matched_case_insensitively(
    pagos: Pagos, token: str, app_a: str
) -> None:
    session_id = (await pagos.open(token, {"applicationkey": app_a})).json()["SessionId"]
    body = {"SESSIONID": session_id, "APPLICATIONKEY": app_a}
    expect(await pagos.close(token, body), closed())


async def test_unknown_extra_request_keys_are_ignored(pagos: Pagos, token: str, app_a: str) -> None:
    body = {"ApplicationKey": app_a, "UserName": "bob", "Inputs": [{"X": 5}], "Extra": None}
    session_id = (await pagos.open(token, body)).json()["SessionId"]
    await pagos.close_session(token, app_a, session_id)


@pytest.mark.parametrize("token_value", [None, "garbage"])
@pytest.mark.parametrize("raw", BAD_BODIES)
async def test_token_checks_come_before_body_checks(
    pagos: Pagos, token_value: str | None, raw: bytes
) -> None:
    expect(await pagos.post(OPEN, token_value, raw=raw), open_failure(RESTRICTED, True))
    expect(await pagos.post(CLOSE, token_value, raw=raw), close_failure(RESTRICTED, True))


@pytest.mark.parametrize("raw", BAD_BODIES)
async def test_a_body_that_is_not_a_json_object_cannot_be_parsed(
    pagos: Pagos, token: str, raw: bytes
) -> None:
    expect(await pagos.post(OPEN, token, raw=raw), open_failure(UNPARSABLE))
    expect(await pagos.post(CLOSE, token, raw=raw), close_failure(UNPARSABLE))


@pytest.mark.parametrize("key", ["", None, 42, ["a"]])
async def test_an_empty_or_non_string_application_key_is_required(
    pagos: Pagos, token: str, key: object
) -> None:
    expect(await pagos.open(token, {"ApplicationKey": key}), open_failure(APP_REQUIRED))


async def test_close_checks_the_application_before_the_session_id(pagos: Pagos, token: str) -> None:
    expect(await pagos.close(token, {"SessionId": "x"}), close_failure(APP_REQUIRED))
    body = {"SessionId": "x", "ApplicationKey": UNKNOWN_APP}
    expect(await pagos.close(token, body), close_failure(APP_INVALID))


@pytest.mark.parametrize(
    "session_id",
    [
        "",
        "not-a-guid",
        42,
        None,
        "25eae3ae-755e-4b3c-aa48-d7f096f6a2a",
        "zzeae3ae-755e-4b3c-aa48-d7f096f6a2a7",
    ],
)
async def test_a_session_id_that_is_not_a_guid_is_refused(
    pagos: Pagos, token: str, app_a: str, session_id: object
) -> None:
    body = {"SessionId": session_id, "ApplicationKey": app_a}
    expect(await pagos.close(token, body), close_failure(SESSION_ID_REQUIRED))


@pytest.mark.parametrize("shape", ["{}----", "----{}", "{{{}--}}"])
async def test_hex_digits_padded_with_hyphens_or_braces_are_not_a_guid(
    pagos: Pagos, token: str, app_a: str, session_s: str, shape: str
) -> None:
    """Rule 3 of §5: only a GUID names a session; Python's lenient ``uuid.UUID`` parsing must
    not turn 32 hex digits plus stray hyphens or braces (36 characters) into one."""
    mangled = shape.format(session_s.replace("-", ""))
    assert len(mangled) == 36
    body = {"SessionId": mangled, "ApplicationKey": app_a}
    expect(await pagos.close(token, body), close_failure(SESSION_ID_REQUIRED))
    await pagos.close_session(token, app_a, session_s)


async def test_an_unknown_guid_is_not_found(pagos: Pagos, token: str, app_a: str) -> None:
    body = {"SessionId": "25eae3ae-755e-4b3c-aa48-d7f096f6a2a7", "ApplicationKey": app_a}
    expect(await pagos.close(token, body), close_failure(SESSION_GONE))


async def test_a_session_opened_by_another_client_cannot_be_closed_by_this_client(
    pagos: Pagos, token: str, app_a: str, second_client: PagosClient
) -> None:
    other_token = await pagos.token(second_client)
    theirs = await pagos.open_session(other_token, app_a)
    body = {"SessionId": theirs, "ApplicationKey": app_a}
    expect(await pagos.close(token, body), close_failure(SESSION_GONE))
    await pagos.close_session(other_token, app_a, theirs)


async def test_failed_requests_change_nothing_for_a_later_close(
    pagos: Pagos, token: str, app_a: str, app_b: str, session_s: str
) -> None:
    await pagos.post(CLOSE, None, {"SessionId": session_s, "ApplicationKey": app_a})
    await pagos.post(CLOSE, token, {"SessionId": session_s, "ApplicationKey": app_b})
    await pagos.post(CLOSE, token, {"SessionId": session_s})
    await pagos.close_session(token, app_a, session_s)


async def test_an_application_key_holding_nul_is_not_found_on_every_backend(
    pagos: Pagos, token: str
) -> None:
    """No application can have such a key; PostgreSQL cannot even compare it (U+0000)."""
    expect(await pagos.open(token, {"ApplicationKey": "app\u0000"}), open_failure(APP_INVALID))
