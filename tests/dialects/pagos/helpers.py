"""Helpers for the Pagos dialect tests: the wire texts of spec §3-§5 and a thin client."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import httpx

from sessionary.bootstrap import Container
from sessionary.dialects.pagos.clients import create_application, create_client
from tests.conftest import TEST_ACTOR

OPEN = "/Api/Applications/OpenDedicatedSession"
CLOSE = "/Api/Applications/CloseDedicatedSession"
ZERO = "00000000-0000-0000-0000-000000000000"
RESTRICTED = "The requested resource is restricted and your request did not provide a valid token."
UNPARSABLE = "The request body could not be parsed."
APP_REQUIRED = "ApplicationKey is required."
APP_INVALID = "The requested application is invalid."
SESSION_ID_REQUIRED = "A valid SessionId is required."
SESSION_GONE = "The dedicated session could not be found or has already been closed."
TOO_MANY = "The maximum number of dedicated sessions has been reached."
UNKNOWN_APP = "ffffffffffffffffffffffffffffffff"
ENVELOPE_TYPE = "application/json; charset=utf-8"

GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
TOKEN_FORMAT = re.compile(r"^[A-Za-z0-9_-]{43}[0-2]$")
APP_KEY = re.compile(r"^[0-9a-f]{32}$")
JsonObject = dict[str, Any]


def compact(body: object) -> str:
    """The exact wire text: compact JSON in the given key order."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def opened(session_id: str) -> JsonObject:
    return {"SessionId": session_id, "Success": True, "Messages": []}


def closed() -> JsonObject:
    return {"Success": True, "InvalidToken": False, "Messages": []}


def open_failure(message: str, invalid_token: bool = False) -> JsonObject:
    return {
        "SessionId": ZERO,
        "Success": False,
        "InvalidToken": invalid_token,
        "Messages": [message],
    }


def close_failure(message: str, invalid_token: bool = False) -> JsonObject:
    return {"Success": False, "InvalidToken": invalid_token, "Messages": [message]}


def expect_headers(response: httpx.Response) -> None:
    """Spec §3: HTTP 200 and these two headers on every envelope response, failures too."""
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-cache, no-store"
    assert response.headers["content-type"] == ENVELOPE_TYPE


def expect(response: httpx.Response, body: JsonObject) -> None:
    """Status, headers and the exact body text (key order included)."""
    expect_headers(response)
    assert response.text == compact(body), response.text


@dataclass(frozen=True, slots=True)
class PagosClient:
    """A Client Identifier with its Client Secret."""

    id: str
    secret: str


async def new_client(container: Container, tenant: str) -> PagosClient:
    client_id, secret = await create_client(container, tenant, TEST_ACTOR)
    return PagosClient(client_id, secret)


async def new_app(
    container: Container, tenant: str, *grants: PagosClient, public: bool = False
) -> str:
    ids = [grant.id for grant in grants]
    return await create_application(container, tenant, ids, public, TEST_ACTOR)


@dataclass(slots=True)
class Pagos:
    """The app's Pagos mount."""

    client: httpx.AsyncClient
    prefix: str = "/pagos"

    async def post(
        self,
        path: str,
        token: str | None,
        body: object = None,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        sent = {"Content-Type": "application/json"}
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        sent.update(headers or {})
        content = raw if raw is not None else compact(body).encode()
        return await self.client.post(self.prefix + path, content=content, headers=sent)

    async def open(self, token: str | None, body: object) -> httpx.Response:
        return await self.post(OPEN, token, body)

    async def close(self, token: str | None, body: object) -> httpx.Response:
        return await self.post(CLOSE, token, body)

    async def token_response(self, data: dict[str, str], as_json: bool = False) -> httpx.Response:
        if as_json:
            return await self.client.post(f"{self.prefix}/token", json=data)
        return await self.client.post(f"{self.prefix}/token", data=data)

    async def token(self, client: PagosClient) -> str:
        form = {"grant_type": "client_credentials", "client_id": client.id}
        form["client_secret"] = client.secret
        response = await self.token_response(form)
        assert response.status_code == 200, response.text
        token = response.json()["access_token"]
        assert isinstance(token, str) and TOKEN_FORMAT.match(token)
        return token

    async def open_session(self, token: str, app: str) -> str:
        response = await self.open(token, {"ApplicationKey": app})
        expect_headers(response)
        session_id = response.json()["SessionId"]
        assert isinstance(session_id, str) and GUID.match(session_id), response.text
        assert response.text == compact(opened(session_id))
        return session_id

    async def close_session(self, token: str, app: str, session_id: str) -> None:
        expect(await self.close(token, {"SessionId": session_id, "ApplicationKey": app}), closed())


async def native_sessions(client: httpx.AsyncClient, headers: dict[str, str]) -> list[JsonObject]:
    """Every session of the tenant, through the native API."""
    response = await client.get("/v1/sessions", headers=headers)
    assert response.status_code == 200, response.text
    items: list[JsonObject] = response.json()["items"]
    return items
