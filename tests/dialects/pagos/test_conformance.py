"""Conformance checks 1-14, 17 and 18 of spec §8 (15-16 need GetResult: out of scope)."""

from __future__ import annotations

import httpx

from tests.support import FakeClock

from .helpers import (
    APP_INVALID,
    APP_REQUIRED,
    GUID,
    RESTRICTED,
    SESSION_GONE,
    SESSION_ID_REQUIRED,
    TOKEN_FORMAT,
    UNKNOWN_APP,
    UNPARSABLE,
    ZERO,
    Pagos,
    PagosClient,
    close_failure,
    closed,
    compact,
    expect,
    expect_headers,
    open_failure,
    opened,
)


async def test_check_1_a_form_token_request_returns_a_bearer_token(
    pagos: Pagos, pagos_client: PagosClient
) -> None:
    form = {"grant_type": "client_credentials", "client_id": pagos_client.id}
    form["client_secret"] = pagos_client.secret
    response = await pagos.token_response(form)
    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == ["access_token", "token_type", "expires_in"]
    assert TOKEN_FORMAT.match(body["access_token"])
    assert body["token_type"] == "bearer"
    assert type(body["expires_in"]) is int
    assert body["expires_in"] == 1_209_599


async def test_check_2_a_wrong_secret_is_an_invalid_client(
    pagos: Pagos, pagos_client: PagosClient
) -> None:
    form = {"grant_type": "client_credentials", "client_id": pagos_client.id}
    form["client_secret"] = pagos_client.secret + "x"
    response = await pagos.token_response(form)
    assert (response.status_code, response.text) == (400, '{"error":"invalid_client"}')
    assert response.headers["content-type"].startswith("application/json")


async def test_check_3_an_open_returns_a_new_lowercase_guid_and_the_documented_headers(
    pagos: Pagos, token: str, app_a: str
) -> None:
    response = await pagos.open(token, {"ApplicationKey": app_a})
    expect_headers(response)
    session_id = response.json()["SessionId"]
    assert GUID.match(session_id)
    assert session_id != ZERO
    assert response.text == compact(opened(session_id))
    assert response.text == f'{{"SessionId":"{session_id}","Success":true,"Messages":[]}}'


async def test_check_4_an_open_without_authorization_is_refused_for_the_token(
    pagos: Pagos, app_a: str
) -> None:
    response = await pagos.open(None, {"ApplicationKey": app_a})
    expect(response, open_failure(RESTRICTED, invalid_token=True))
    assert response.text == (
        '{"SessionId":"00000000-0000-0000-0000-000000000000","Success":false,'
        '"InvalidToken":true,"Messages":["The requested resource is restricted and your '
        'request did not provide a valid token."]}'
    )


async def test_check_5_an_open_with_a_garbage_token_gets_the_same_body(
    pagos: Pagos, app_a: str
) -> None:
    expect(
        await pagos.open("garbage", {"ApplicationKey": app_a}),
        open_failure(RESTRICTED, invalid_token=True),
    )


async def test_check_6_a_public_application_still_needs_a_token_for_a_session(
    pagos: Pagos, public_app: str
) -> None:
    expect(
        await pagos.open(None, {"ApplicationKey": public_app}),
        open_failure(RESTRICTED, invalid_token=True),
    )


async def test_check_7_an_unknown_application_key_is_not_found(pagos: Pagos, token: str) -> None:
    response = await pagos.open(token, {"ApplicationKey": UNKNOWN_APP})
    expect(response, open_failure(APP_INVALID))
    assert len(response.json()["Messages"]) == 1


# The vendor's Failure Example 2 [DOC], typed out here rather than built from the helpers, so
# a wrong message in both the server and the helpers cannot pass.
DOC_CLOSE_EXAMPLE_2 = (
    b'{"Success":false,"InvalidToken":false,"Messages":["The requested application is invalid."]}'
)
DOC_OPEN_EXAMPLE_2 = (
    b'{"SessionId":"00000000-0000-0000-0000-000000000000","Success":false,"InvalidToken":false,'
    b'"Messages":["The requested application is invalid."]}'
)


async def test_a_close_with_an_unknown_application_answers_failure_example_2_byte_for_byte(
    pagos: Pagos, token: str, session_s: str
) -> None:
    response = await pagos.close(token, {"SessionId": session_s, "ApplicationKey": UNKNOWN_APP})
    expect_headers(response)
    assert response.content == DOC_CLOSE_EXAMPLE_2


async def test_an_open_with_an_unknown_application_answers_example_2_with_the_zero_session_id(
    pagos: Pagos, token: str
) -> None:
    response = await pagos.open(token, {"ApplicationKey": UNKNOWN_APP})
    expect_headers(response)
    assert response.content == DOC_OPEN_EXAMPLE_2


async def test_check_8_an_open_without_application_key_needs_one(pagos: Pagos, token: str) -> None:
    expect(await pagos.open(token, {}), open_failure(APP_REQUIRED))


async def test_check_9_two_opens_in_a_row_return_two_different_session_ids(
    pagos: Pagos, token: str, app_a: str
) -> None:
    first = await pagos.open_session(token, app_a)
    second = await pagos.open_session(token, app_a)
    assert first != second


async def test_check_10_closing_s_returns_the_documented_success_body(
    pagos: Pagos, token: str, app_a: str, session_s: str
) -> None:
    response = await pagos.close(token, {"SessionId": session_s, "ApplicationKey": app_a})
    expect(response, closed())
    assert response.text == '{"Success":true,"InvalidToken":false,"Messages":[]}'


async def test_check_11_a_second_close_of_s_fails(
    pagos: Pagos, token: str, app_a: str, session_s: str
) -> None:
    await pagos.close_session(token, app_a, session_s)
    response = await pagos.close(token, {"SessionId": session_s, "ApplicationKey": app_a})
    expect(response, close_failure(SESSION_GONE))
    assert len(response.json()["Messages"]) == 1


async def test_check_12_a_close_without_token_has_no_session_id_key(
    pagos: Pagos, app_a: str, session_s: str
) -> None:
    response = await pagos.close(None, {"SessionId": session_s, "ApplicationKey": app_a})
    expect(response, close_failure(RESTRICTED, invalid_token=True))
    assert "SessionId" not in response.json()


async def test_check_13_a_close_without_session_id_is_refused(
    pagos: Pagos, token: str, app_a: str
) -> None:
    expect(await pagos.close(token, {"ApplicationKey": app_a}), close_failure(SESSION_ID_REQUIRED))


async def test_check_14_s_sent_with_another_application_fails_and_stays_usable_for_a(
    pagos: Pagos, token: str, app_a: str, app_b: str, session_s: str
) -> None:
    response = await pagos.close(token, {"SessionId": session_s, "ApplicationKey": app_b})
    expect(response, close_failure(SESSION_GONE))
    await pagos.close_session(token, app_a, session_s)


async def test_check_17_a_session_idle_past_the_timeout_cannot_be_closed(
    pagos: Pagos, token: str, app_a: str, session_s: str, clock: FakeClock
) -> None:
    clock.advance(301)
    response = await pagos.close(token, {"SessionId": session_s, "ApplicationKey": app_a})
    expect(response, close_failure(SESSION_GONE))


async def test_check_17_a_session_idle_just_under_the_timeout_is_still_open(
    pagos: Pagos, token: str, app_a: str, session_s: str, clock: FakeClock
) -> None:
    clock.advance(299)
    await pagos.close_session(token, app_a, session_s)


async def test_check_18_a_get_on_open_is_405(pagos: Pagos, client: httpx.AsyncClient) -> None:
    response = await client.get(pagos.prefix + "/Api/Applications/OpenDedicatedSession")
    assert response.status_code == 405, response.text


async def test_check_18_a_body_that_is_not_json_cannot_be_parsed(pagos: Pagos, token: str) -> None:
    response = await pagos.post("/Api/Applications/OpenDedicatedSession", token, raw=b"not json")
    expect(response, open_failure(UNPARSABLE))
    response = await pagos.post("/Api/Applications/CloseDedicatedSession", token, raw=b"not json")
    expect(response, close_failure(UNPARSABLE))
