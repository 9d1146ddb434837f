"""A player id longer than the database stores, sent to StartGame (Gen B and Gen A): never the
503 G.99 "should be retried" the refusal of a too-long value used to give on PostgreSQL. The
checks at the edge answer it as bad input on both backends; under them, the storage boundary
turns PostgreSQL's refusal into the caller's invalid input (Gen B error 21, Gen A V.1)."""

from __future__ import annotations

from sessionary.http.dialects.casino.signing import sign

from .helpers import PUMPKIN, S100, SECRET, TOK, Casino

TOO_LONG = "p" * 201  # subjects.external_id is 200 characters, and the partner prefixes it


async def test_a_gen_b_start_for_a_player_id_too_long_is_never_a_retry(
    casino: Casino, partner: str
) -> None:
    body = {"secureLogin": S100, "token": TOK, "uuid": "u", "userId": TOO_LONG}
    body.update(gameId=PUMPKIN, sessionId="op-1", language="en", currency="USD")
    response = await casino.post("/v4/StartGame", body)
    assert response.status_code == 200, response.text
    assert response.json()["error"] in (0, 21), response.text  # 0 while SQLite keeps it


async def test_a_gen_a_start_for_a_player_id_too_long_is_never_a_retry(
    casino: Casino, partner: str
) -> None:
    body: dict[str, object] = {"secureLogin": S100, "externalPlayerId": TOO_LONG}
    body.update(gameId=PUMPKIN, language="en", platform="WEB", lobbyUrl="https://example.com/")
    body["hash"] = sign(body, SECRET)
    response = await casino.post(f"/api/startgame?MEMB_ID={S100}&HASH={TOK}", body)
    assert response.status_code in (200, 400), response.text
    if response.status_code == 400:
        assert response.json()["error"]["code"] == "V.1", response.text
