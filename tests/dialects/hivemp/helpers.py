"""Helpers for the HiveMP dialect tests: a thin client, the quickstart body, error checks."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

import httpx

ROOT = "/hivemp"
PREFIX = f"{ROOT}/v1"
SESSION_ID = re.compile(r"^us-\d+$")
ACCOUNT_ID = re.compile(r"^u-\d+$")
SESSION_FIELDS = {
    "id",
    "accountId",
    "projectId",
    "start",
    "expiry",
    "billedMinutes",
    "metered",
    "profile",
}
EMAIL = "test@example.com"
PASSWORD = "test"
QUICKSTART_HASH = "e72919d00bd0e67c796192a601d21b805cf92dfe3ecf019be57a182cb320a25a"
JsonObject = dict[str, Any]


def password_hash(password: str) -> str:
    """What every SDK sends: lowercase hex SHA-256 of UTF-8 ``"HiveMPv1" + password`` (§4.1)."""
    return hashlib.sha256(("HiveMPv1" + password).encode()).hexdigest()


def empty_tokens() -> JsonObject:
    return {
        "steamTokens": [],
        "itchIoTokens": [],
        "discordTokens": [],
        "deviceTestTokens": [],
        "oAuthTokens": [],
    }


def quickstart(email: str = EMAIL, hash_: str = QUICKSTART_HASH, **overrides: Any) -> JsonObject:
    """The PUT /authenticate body of the docs quickstart (§4.1), with optional overrides."""
    body: JsonObject = {
        "emailAddress": email,
        "marketingPreferenceOptIn": False,
        "metered": True,
        "passwordHash": hash_,
        "projectId": None,
        "promptForProject": None,
        "requestedRole": "builtin:user",
        "tokens": empty_tokens(),
        "twoFactor": None,
    }
    body.update(overrides)
    return body


def key(api_key: str) -> dict[str, str]:
    return {"X-API-Key": api_key}


def assert_ok(response: httpx.Response) -> Any:
    """Success is exactly 200 with a JSON body labelled application/json (§2, check 16)."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.content, "a 200 must carry a JSON body"
    return response.json()


def assert_error(response: httpx.Response, status: int, code: int) -> JsonObject:
    """A HiveMPSystemError body (§5): int code, str message, str|null fields, object data."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body, dict)
    assert isinstance(body["code"], int) and not isinstance(body["code"], bool)
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    assert body["fields"] is None or isinstance(body["fields"], str)
    assert isinstance(body["data"], dict)
    data: JsonObject = body["data"]
    return data


def assert_user_session(body: Any) -> JsonObject:
    """Every UserSession field with the §5 type; integers are plain JSON integers."""
    assert isinstance(body, dict)
    assert body.keys() >= SESSION_FIELDS
    assert isinstance(body["id"], str) and SESSION_ID.match(body["id"])
    assert isinstance(body["accountId"], str) and ACCOUNT_ID.match(body["accountId"])
    assert isinstance(body["projectId"], str) and body["projectId"]
    for name in ("start", "expiry", "billedMinutes"):
        assert type(body[name]) is int, (name, body[name])
    assert type(body["metered"]) is bool
    assert body["profile"] is None or isinstance(body["profile"], dict)
    return body


@dataclass(slots=True)
class Hive:
    """The app's HiveMP mount, called the way a plain JSON client would."""

    client: httpx.AsyncClient

    async def authenticate(
        self, api_key: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        content = json.dumps(body if body is not None else quickstart())
        sent = {"Content-Type": "application/json; charset=utf-8", **key(api_key)}
        return await self.client.put(
            f"{PREFIX}/authenticate", content=content, headers={**sent, **(headers or {})}
        )

    async def login(self, api_key: str, body: Any = None) -> JsonObject:
        """The ``authenticatedSession`` (UserSessionWithSecrets) of a successful login."""
        response = await self.authenticate(api_key, body)
        session = assert_ok(response)["authenticatedSession"]
        assert isinstance(session, dict), response.text
        return session

    async def call(
        self,
        method: str,
        api_key: str | None,
        session_id: str | None = None,
        path: str = "/session",
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        params = None if session_id is None else {"id": session_id}
        sent = {} if api_key is None else key(api_key)
        return await self.client.request(
            method, f"{PREFIX}{path}", params=params, headers={**sent, **(headers or {})}
        )


async def native_sessions(
    client: httpx.AsyncClient, headers: dict[str, str], status: str | None = None
) -> list[JsonObject]:
    """Sessions as the native /v1 API lists them (every dialect)."""
    params = {"limit": "200"} if status is None else {"limit": "200", "status": status}
    response = await client.get("/v1/sessions", headers=headers, params=params)
    assert response.status_code == 200, response.text
    items: list[JsonObject] = response.json()["items"]
    return items
