"""Helpers for the RUFUS dialect tests: a thin client, id formats and common flows (spec §10)."""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

PREFIX = "/rufus/v0"
HEX64 = re.compile(r"^[0-9A-F]{64}$")
API_KEY = re.compile(r"^ror-[0-9a-f]{20}$")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
JsonObject = dict[str, Any]

DEVICE_BODY: JsonObject = {"model": "Model X1", "serial_number": "DEVICE-123"}
CHECK11_PASSINGS: list[JsonObject] = [
    {"bib": "7", "num_passing": 1, "timestamp": "2023-01-22T09:20:25.000Z"},
    {
        "bib": "17",
        "num_passing": 2,
        "timestamp": "2023-01-22T09:21:33.000Z",
        "chip": "000000000000017",
        "latitude": "12.000",
        "longitude": "13.000",
        "status": "Sent",
    },
]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def compact(body: object) -> str:
    """The exact wire text the spec asks for: compact JSON, no space after ':' (§2.2)."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def random_id() -> str:
    return secrets.token_hex(32).upper()


def iso_ms(micros: int) -> str:
    """``YYYY-MM-DDTHH:mm:ss.sssZ`` for a clock reading in microseconds (§2.4)."""
    moment = _EPOCH + timedelta(microseconds=micros)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def passing(num: int, timestamp: object = "2023-01-22T09:00:00.000Z", **extra: Any) -> JsonObject:
    return {"bib": f"B{num}", "num_passing": num, "timestamp": timestamp, **extra}


def null_passing(token: str, deviceid: str, num: int, timestamp: str, bib: str) -> JsonObject:
    """A passing as P2/P3 return it when only the required fields were sent (§7.2)."""
    return {
        "token_session": token,
        "timestamp": timestamp,
        "num_passing": num,
        "latitude": None,
        "longitude": None,
        "status": None,
        "participant_id": None,
        "chip": None,
        "bib": bib,
        "timezone": None,
        "gender": None,
        "deviceid": deviceid,
    }


@dataclass(slots=True)
class Rufus:
    """The app's RUFUS mount; ``inner`` unwraps the ``{"body": ...}`` envelope when it is on."""

    client: httpx.AsyncClient
    envelope: bool = False
    prefix: str = PREFIX

    async def call(
        self,
        method: str,
        path: str,
        key: str | None,
        body: object = None,
        params: dict[str, str | int] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        sent = {"Content-Type": "application/json"}
        if key is not None:
            sent["api_key"] = key
        sent.update(headers or {})
        content = None if body is None else compact(body).encode()
        return await self.client.request(
            method, self.prefix + path, content=content, params=params, headers=sent
        )

    async def get(self, path: str, key: str, **params: str | int) -> httpx.Response:
        return await self.call("GET", path, key, params=params)

    async def post(self, path: str, key: str | None, body: object) -> httpx.Response:
        return await self.call("POST", path, key, body)

    def inner(self, response: httpx.Response) -> Any:
        data = response.json()
        if self.envelope:
            assert isinstance(data, dict) and list(data) == ["body"], response.text
            return data["body"]
        return data

    def text_of(self, body: object) -> str:
        """The exact response text for an inner body in the configured envelope."""
        return compact({"body": body} if self.envelope else body)

    def expect(self, response: httpx.Response, status: int, body: object) -> None:
        assert (response.status_code, response.text) == (status, self.text_of(body))

    def expect_error(self, response: httpx.Response, status: int) -> str:
        """A spec error whose text is ours to choose: only ``description``, a non-empty string."""
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/json")
        body = self.inner(response)
        assert isinstance(body, dict) and list(body) == ["description"], response.text
        assert isinstance(body["description"], str) and body["description"]
        return body["description"]

    async def bind(self, key: str, body: JsonObject | None = None) -> str:
        response = await self.post("/devices", key, body or DEVICE_BODY)
        assert response.status_code == 201, response.text
        deviceid = self.inner(response)["deviceid"]
        assert isinstance(deviceid, str) and HEX64.match(deviceid)
        return deviceid

    async def start(self, key: str, deviceid: str, alias: str | None = None) -> str:
        body: JsonObject = {"deviceid": deviceid}
        if alias is not None:
            body["alias"] = alias
        response = await self.post("/sessions", key, body)
        assert response.status_code == 201, response.text
        token = self.inner(response)["token_session"]
        assert isinstance(token, str) and HEX64.match(token)
        return token

    async def insert(self, key: str, token: str, items: list[JsonObject]) -> httpx.Response:
        return await self.post("/passings", key, {"token_session": token, "passings_list": items})

    async def result(self, path: str, key: str, **params: str | int) -> Any:
        response = await self.get(path, key, **params)
        assert response.status_code == 200, response.text
        return self.inner(response)["result"]

    async def nums(self, token: str, key: str, **params: str | int) -> list[int]:
        items = await self.result(f"/passings/session/{token}", key, **params)
        return [item["num_passing"] for item in items]

    async def session(self, token: str, key: str) -> JsonObject:
        found = await self.result(f"/sessions/{token}", key)
        assert isinstance(found, list) and len(found) == 1
        item: JsonObject = found[0]
        return item
