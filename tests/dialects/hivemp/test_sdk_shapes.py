"""Requests shaped like each SDK's (spec §2 and §8) all succeed: C#, UE4, TypeScript, mujs."""

from __future__ import annotations

import json

import httpx

from sessionary.domain.model import Subject

from .helpers import PREFIX, JsonObject, assert_ok, assert_user_session, empty_tokens, quickstart

CSHARP_EMPTY = {"Content-Type": "text/plain; charset=utf-8", "Accept": "application/json"}
CSHARP_JSON = {"Content-Type": "application/json; charset=utf-8", "Accept": "application/json"}


async def test_csharp_authenticate_put_with_accept_and_a_json_body_succeeds(
    client: httpx.AsyncClient, account: Subject, public_key: str
) -> None:
    headers = {**CSHARP_JSON, "X-API-Key": public_key}
    body = quickstart(tokens=None, twoFactor=None)
    response = await client.put(f"{PREFIX}/authenticate", content=json.dumps(body), headers=headers)
    assert assert_user_session(assert_ok(response)["authenticatedSession"])["metered"] is True


async def test_csharp_empty_text_plain_bodies_on_post_and_put_succeed(
    client: httpx.AsyncClient, session: JsonObject, session_key: str, admin_key: str
) -> None:
    headers = {**CSHARP_EMPTY, "X-API-Key": session_key}
    post = await client.post(f"{PREFIX}/session", content=b"", headers=headers)
    assert assert_ok(post)["id"] == session["id"]
    with_id = await client.post(
        f"{PREFIX}/session?id={session['id']}", content=b"", headers=headers
    )
    assert assert_ok(with_id)["id"] == session["id"]
    switch_headers = {**CSHARP_EMPTY, "X-API-Key": admin_key}
    switch = await client.put(f"{PREFIX}/authenticate/switch", content=b"", headers=switch_headers)
    assert "authenticatedSession" in assert_ok(switch)


async def test_csharp_get_and_delete_with_accept_and_no_body_succeed(
    client: httpx.AsyncClient, session: JsonObject, session_key: str
) -> None:
    headers = {"Accept": "application/json", "X-API-Key": session_key}
    get = await client.get(f"{PREFIX}/session?id={session['id']}", headers=headers)
    assert assert_ok(get)["id"] == session["id"]
    delete = await client.delete(f"{PREFIX}/session", headers=headers)
    assert delete.status_code == 200 and delete.content == b"true"


async def test_ue4_calls_with_api_key_an_empty_id_content_length_0_and_a_trailing_question_mark(
    client: httpx.AsyncClient, session: JsonObject, session_key: str
) -> None:
    headers = {"api_key": session_key, "Content-Length": "0"}
    for url in (f"{PREFIX}/session?id=", f"{PREFIX}/session?"):
        post = await client.request("POST", url, headers=headers)
        assert assert_ok(post)["id"] == session["id"]
        get = await client.request("GET", url, headers={"api_key": session_key})
        assert assert_ok(get)["id"] == session["id"]
    delete = await client.request("DELETE", f"{PREFIX}/session?id=", headers=headers)
    assert delete.status_code == 200
    assert delete.content == b"true"


async def test_ue4_authenticate_with_the_api_key_header_succeeds(
    client: httpx.AsyncClient, account: Subject, public_key: str
) -> None:
    content = json.dumps(quickstart()).encode()
    headers = {
        "api_key": public_key,
        "Content-Type": "application/json",
        "Content-Length": str(len(content)),
    }
    response = await client.put(f"{PREFIX}/authenticate?", content=content, headers=headers)
    assert assert_ok(response)["authenticatedSession"]["apiKey"]


async def test_ue4_2017_get_always_sends_the_id_of_the_session(
    client: httpx.AsyncClient, session: JsonObject, session_key: str
) -> None:
    url = f"{PREFIX}/session?id={session['id']}"
    response = await client.get(url, headers={"api_key": session_key})
    assert assert_user_session(assert_ok(response))["id"] == session["id"]


async def test_typescript_get_and_delete_with_a_json_content_type_and_no_body_succeed(
    client: httpx.AsyncClient, session: JsonObject, session_key: str
) -> None:
    headers = {"Content-Type": "application/json", "X-API-Key": session_key}
    get = await client.get(f"{PREFIX}/session", params={"id": session["id"]}, headers=headers)
    assert assert_ok(get)["id"] == session["id"]
    post = await client.post(f"{PREFIX}/session", headers=headers)
    assert assert_ok(post)["id"] == session["id"]
    delete = await client.delete(f"{PREFIX}/session", headers=headers)
    assert delete.status_code == 200
    assert delete.json() is True


async def test_mujs_and_old_csharp_empty_bodies_labelled_json_succeed(
    client: httpx.AsyncClient, session: JsonObject, session_key: str
) -> None:
    headers = {"Content-Type": "application/json", "X-API-Key": session_key}
    response = await client.post(f"{PREFIX}/session", content=b"", headers=headers)
    assert assert_ok(response)["id"] == session["id"]


async def test_a_literal_null_body_on_put_authenticate_is_a_prompt_answer(
    client: httpx.AsyncClient, account: Subject, public_key: str
) -> None:
    headers = {**CSHARP_JSON, "X-API-Key": public_key}
    response = await client.put(f"{PREFIX}/authenticate", content=b"null", headers=headers)
    body = assert_ok(response)
    assert body["authenticatedSession"] is None
    assert body["promptForEmailAddress"] is True


async def test_client_connect_hotpatched_tokens_do_not_stop_a_password_login(
    client: httpx.AsyncClient, account: Subject, public_key: str
) -> None:
    tokens = {**empty_tokens(), "steamTokens": [{"userTicket": "1400000000"}]}
    tokens["itchIoTokens"] = [{"apiKey": "itch"}]
    body = quickstart(tokens=tokens)
    headers = {"Content-Type": "application/json", "X-API-Key": public_key}
    response = await client.put(f"{PREFIX}/authenticate", content=json.dumps(body), headers=headers)
    assert assert_ok(response)["authenticatedSession"]["apiKey"]


async def test_x_api_key_wins_when_both_key_headers_are_sent(
    client: httpx.AsyncClient, session: JsonObject, session_key: str
) -> None:
    both = {"X-API-Key": session_key, "api_key": "f" * 32}
    assert assert_ok(await client.get(f"{PREFIX}/session", headers=both))["id"] == session["id"]
    swapped = {"X-API-Key": "f" * 32, "api_key": session_key}
    response = await client.get(f"{PREFIX}/session", headers=swapped)
    assert response.status_code == 401


async def test_an_empty_x_api_key_falls_back_to_the_api_key_header(
    client: httpx.AsyncClient, session: JsonObject, session_key: str
) -> None:
    headers = {"X-API-Key": "", "api_key": session_key}
    assert assert_ok(await client.get(f"{PREFIX}/session", headers=headers))["id"] == session["id"]
