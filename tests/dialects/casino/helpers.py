"""Helpers for the casino dialect tests: the wire texts of spec §2.1, §5 and §8, signing, a thin
client of the casino mount, and read-outs of the stored state."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from sessionary.bootstrap import Container
from sessionary.domain.model import Tenant
from sessionary.domain.ports import SessionFilter, WorkFilter
from sessionary.http.dialects.casino.signing import sign

S100, TOK, SECRET = "S100", "TOK-0001", "testKey"
PUMPKIN, KELLY = "lm_1_pumpkinfarm", "lm_2_kellyswheeldouble"
USER = "tester"
CLOSE_A = "/V4/closesession"
CLOSE_B = "/v4/CloseSession"
JsonObject = dict[str, Any]


def compact(body: object) -> str:
    """The exact wire text: compact JSON in the given key order."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


SUCCESS = '{"error":0,"description":"Success"}'
G0 = (
    '{"error":{"code":"G.0","message":"Could not authenticate, please review sent data and try'
    ' again. If problem persists, contact customer support "}}'
)
V1 = '{"error":{"code":"V.1","message":"Have no Argument"}}'
G1 = '{"error":{"code":"G.1","message":"INVALID GAME TYPE"}}'
B54 = '{"error":54,"description":"Incorrect secure LOGIN and secure password combination."}'
B21 = '{"error":21,"description":"Parameter missing or incorrect."}'
B20 = '{"error":20,"description":"Game not allowed."}'
B17 = '{"error":17,"description":"No data."}'


def signed(body: JsonObject, secret: str = SECRET) -> JsonObject:
    """The body with its §3 ``hash`` appended."""
    return {**body, "hash": sign(body, secret)}


def close_body(clear: object = "1", game: str | None = PUMPKIN, **extra: object) -> JsonObject:
    """A Gen A close body for tester (check 1 by default), signed with testKey."""
    body: JsonObject = {"secureLogin": S100, "userId": USER}
    if game is not None:
        body["gameId"] = game
    if clear is not None:
        body["clearHistory"] = clear
    return signed({**body, **extra})


@dataclass(slots=True)
class Casino:
    """The app's casino mount."""

    client: httpx.AsyncClient
    prefix: str = "/casino"

    async def post(
        self, path: str, body: object = None, raw: bytes | None = None
    ) -> httpx.Response:
        content = raw if raw is not None else compact(body).encode()
        headers = {"Content-Type": "application/json"}
        return await self.client.post(self.prefix + path, content=content, headers=headers)

    async def close_a(
        self,
        body: object = None,
        memb: str = S100,
        token: str = TOK,
        path: str = CLOSE_A,
        raw: bytes | None = None,
    ) -> httpx.Response:
        return await self.post(f"{path}?MEMB_ID={memb}&HASH={token}", body, raw)

    async def close_b(self, body: object, path: str = CLOSE_B) -> httpx.Response:
        return await self.post(path, body)

    async def start_b(
        self, user: str = USER, game: str = PUMPKIN, login: str = S100, token: str = TOK
    ) -> str:
        """Gen B StartGame; the game-session token of the launch URL."""
        body = {"secureLogin": login, "token": token, "uuid": "u-start", "userId": user}
        body.update(gameId=game, sessionId="op-1", language="en", currency="USD")
        response = await self.post("/v4/StartGame", body)
        assert response.status_code == 200, response.text
        data = response.json()
        assert (data["error"], data["description"]) == (0, "Success"), response.text
        return parse_qs(urlsplit(str(data["url"])).query)["token"][0]

    async def game(self, game_token: str) -> httpx.Response:
        headers = {"X-Game-Token": game_token}
        return await self.client.get(f"{self.prefix}/game/session", headers=headers)

    async def start_round(self, game_token: str, body: object = None) -> httpx.Response:
        sent = body if body is not None else {"bet": 1.5, "currency": "USD"}
        headers = {"X-Game-Token": game_token, "Content-Type": "application/json"}
        url = f"{self.prefix}/game/rounds"
        return await self.client.post(url, content=compact(sent).encode(), headers=headers)

    async def finish(self, game_token: str, round_id: str, body: object = None) -> httpx.Response:
        sent = body if body is not None else {"win": 2}
        headers = {"X-Game-Token": game_token, "Content-Type": "application/json"}
        url = f"{self.prefix}/game/rounds/{round_id}/finish"
        return await self.client.post(url, content=compact(sent).encode(), headers=headers)

    async def new_round(self, game_token: str) -> str:
        response = await self.start_round(game_token)
        assert response.status_code == 200, response.text
        return str(response.json()["round"]["roundId"])

    async def history(
        self, method: str, body: JsonObject, login: str = S100, token: str = TOK
    ) -> httpx.Response:
        sent = {"secureLogin": login, "token": token, "uuid": "u-history", **body}
        return await self.post(f"/history/{method}", sent)

    async def status(self, round_id: str, login: str = S100, token: str = TOK) -> str:
        """The round's ``roundStatus`` per GetRoundStatus."""
        response = await self.history("GetRoundStatus", {"roundId": round_id}, login, token)
        data = response.json()
        assert data["error"] == 0, response.text
        return str(data["roundStatus"])


async def lifecycle(container: Container, tenant: Tenant, session_id: str) -> list[JsonObject]:
    """The session's lifecycle records as plain dicts."""
    async with container.database.unit_of_work(write=False) as uow:
        session = await uow.sessions.get(tenant.pk, session_id)
        assert session is not None
        records: list[Any] = await uow.lifecycle.for_session(session.pk)
        await uow.commit()
    return [{"type": r.type, "reason": r.reason, "work_id": r.data.get("work_id")} for r in records]


async def snapshot(container: Container, *tenants: Tenant) -> list[object]:
    """Every session, round and lifecycle record of these tenants, for before/after checks."""
    out: list[object] = []
    now = container.clock.now()
    async with container.database.unit_of_work(write=False) as uow:
        for tenant in tenants:
            sessions: list[Any] = await uow.sessions.list(tenant.pk, SessionFilter(now), None, 500)
            items, _ = await uow.work.find(tenant.pk, WorkFilter(), 0, 500)
            records: list[Any] = await uow.lifecycle.stream(tenant.pk, (-1, 0), 5000)
            out.append(sorted((s.id, s.effective_status(now).value) for s in sessions))
            out.append(sorted((i.id, i.status.value, i.session_id, repr(i.data)) for i in items))
            out.append([(r.id, r.type, r.session_id) for r in records])
        await uow.commit()
    return out


async def native_sessions(
    client: httpx.AsyncClient, headers: dict[str, str], user: str, game: str, login: str = S100
) -> list[JsonObject]:
    """The player's sessions in one game, as the native /v1 API lists them."""
    params = {"subject_kind": "player", "subject_id": f"{login}/{user}", "scope": game}
    response = await client.get("/v1/sessions", params=params, headers=headers)
    assert response.status_code == 200, response.text
    items: list[JsonObject] = response.json()["items"]
    return items
