"""Structured logs: the access line carries the response's request id; no secret is ever logged."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import re
import secrets
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sessionary.bootstrap import Container
from sessionary.dialects.casino.partners import add_game, create_partner
from sessionary.domain.model import Tenant
from sessionary.http.dialects.casino.signing import sign
from sessionary.observability.logs import (
    JsonFormatter,
    RedactingFilter,
    RequestContextFilter,
    TextFormatter,
    logging_config,
    resolve_format,
)
from tests.conftest import TEST_ACTOR, Api, key_headers
from tests.dialects.pagos.helpers import new_app, new_client

RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """The logging ``sessionary serve`` sets up (JSON, here at DEBUG), written to a buffer;
    the previous configuration is put back afterwards."""
    stream = io.StringIO()
    config = logging_config("json", "DEBUG")
    config["handlers"]["main"]["stream"] = stream
    root = logging.getLogger()
    saved_root = (root.level, list(root.handlers))
    named = {name: logging.getLogger(name) for name in config["loggers"]}
    saved = {n: (lg.level, list(lg.handlers), lg.propagate) for n, lg in named.items()}
    logging.config.dictConfig(config)
    yield stream
    root.setLevel(saved_root[0])
    root.handlers[:] = saved_root[1]
    for name, (level, handlers, propagate) in saved.items():
        named[name].setLevel(level)
        named[name].handlers[:] = handlers
        named[name].propagate = propagate


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def access_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [line for line in lines(stream) if line["logger"] == "sessionary.access"]


async def test_the_access_line_is_json_with_the_request_id_of_the_response(
    api: Api, captured: io.StringIO
) -> None:
    response = await api.client.get("/v1/sessions/ses_missing?limit=5", headers=api.headers)
    assert response.status_code == 404
    (line,) = access_lines(captured)
    assert line["request_id"] == response.headers["x-request-id"]
    assert RFC3339_UTC.match(line["time"]), line["time"]
    assert line["level"] == "INFO"
    assert (line["method"], line["status"]) == ("GET", 404)
    assert line["route"] == "/v1/sessions/{session_id}"
    assert line["path"] == "/v1/sessions/ses_missing"  # never the query string
    assert "limit" not in json.dumps(line)
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["client"] == "127.0.0.1"


async def test_a_callers_request_id_is_logged_as_given(
    client: httpx.AsyncClient, captured: io.StringIO
) -> None:
    response = await client.get("/nowhere", headers={"X-Request-Id": "trace-42"})
    assert response.status_code == 404
    assert response.headers["x-request-id"] == "trace-42"
    (line,) = access_lines(captured)
    assert (line["request_id"], line["route"], line["status"]) == ("trace-42", None, 404)


async def test_an_error_logged_while_serving_carries_the_request_id_and_no_secret(
    api: Api, container: Container, captured: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    leaked = "sk_" + secrets.token_urlsafe(24)

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"driver said: Authorization: Bearer {leaked}")

    monkeypatch.setattr(container.sessions, "get", broken)
    response = await api.client.get("/v1/sessions/ses_1", headers=api.headers)
    assert response.status_code == 500
    (error,) = [line for line in lines(captured) if line["level"] == "ERROR"]
    assert error["request_id"] == response.headers["x-request-id"]
    assert "RuntimeError" in error["exc_info"]
    assert leaked not in captured.getvalue()
    (access,) = access_lines(captured)
    assert (access["status"], access["request_id"]) == (500, error["request_id"])


async def test_no_secret_reaches_the_log_in_a_whole_request_flow(
    api: Api, container: Container, tenant: Tenant, captured: io.StringIO
) -> None:
    client = api.client
    key = api.headers["Authorization"].removeprefix("Bearer ")
    wrong_key = "sk_" + secrets.token_urlsafe(24)
    opened = await client.post(
        "/v1/sessions", json={"subject": {"kind": "user", "id": "u-1"}}, headers=api.headers
    )
    assert opened.status_code == 201
    assert (await client.get("/v1/sessions", headers={"X-API-Key": key})).status_code == 200
    for refused in ({"Authorization": f"Bearer {wrong_key}"}, {"X-API-Key": wrong_key}):
        assert (await client.get("/v1/sessions", headers=refused)).status_code == 401
    seen = [key, wrong_key]
    seen += await _pagos_flow(client, container, tenant)
    seen += await _casino_flow(client, container, tenant)
    output = captured.getvalue()
    assert len(access_lines(captured)) >= 9  # the flow was logged...
    for secret in seen:
        assert secret not in output  # ...without any of its secrets


async def _pagos_flow(client: httpx.AsyncClient, container: Container, tenant: Tenant) -> list[str]:
    pagos = await new_client(container, tenant.name)
    app_key = await new_app(container, tenant.name, pagos)
    form = {"grant_type": "client_credentials", "client_id": pagos.id}
    bad = await client.post("/pagos/token", data={**form, "client_secret": "x" + pagos.secret})
    assert bad.status_code != 200
    good = await client.post("/pagos/token", data={**form, "client_secret": pagos.secret})
    assert good.status_code == 200, good.text
    token = str(good.json()["access_token"])
    opened = await client.post(
        "/pagos/Api/Applications/OpenDedicatedSession",
        json={"ApplicationKey": app_key},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert opened.json()["Success"] is True, opened.text
    return [pagos.secret, "x" + pagos.secret, token]


async def _casino_flow(
    client: httpx.AsyncClient, container: Container, tenant: Tenant
) -> list[str]:
    partner_token, signing_secret = "TOK-" + secrets.token_hex(12), secrets.token_hex(16)
    await create_partner(container, tenant.name, TEST_ACTOR, "S7", partner_token, signing_secret)
    await add_game(container, tenant.name, "lm_1_pumpkinfarm", "Pumpkin Farm", TEST_ACTOR)
    start = {"secureLogin": "S7", "token": partner_token, "uuid": "u-1", "userId": "tester"}
    start |= {"gameId": "lm_1_pumpkinfarm", "sessionId": "op-1", "currency": "USD"}
    started = await client.post("/casino/v4/StartGame", json=start)
    assert started.json()["error"] == 0, started.text
    game_token = str(started.json()["url"]).split("token=")[1]
    launched = await client.get(f"/casino/game/launch?token={game_token}")
    assert launched.status_code == 200, launched.text
    body: dict[str, Any] = {"secureLogin": "S7", "userId": "tester", "gameId": "lm_1_pumpkinfarm"}
    body["clearHistory"] = "1"
    signature = sign(body, signing_secret)
    forged = "0" * 32
    for given in (forged, signature):
        url = f"/casino/V4/closesession?MEMB_ID=S7&HASH={partner_token}"
        await client.post(url, json={**body, "hash": given})
    return [partner_token, signing_secret, game_token, signature]


async def test_native_keys_of_other_tenants_are_not_logged_on_refusal(
    client: httpx.AsyncClient, container: Container, tenant: Tenant, captured: io.StringIO
) -> None:
    headers = await key_headers(container, tenant.pk, "usage:read")
    refused = await client.post("/v1/sessions", json={}, headers=headers)
    assert refused.status_code == 403
    assert headers["Authorization"].removeprefix("Bearer ") not in captured.getvalue()


def _record(msg: str, *args: object, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, msg, args or None, None)
    for key, value in extra.items():
        setattr(record, key, value)
    return record


@pytest.mark.parametrize(
    ("message", "secret"),
    [
        ("key %s", "sk_" + "Ab9_-x" * 5),
        ("Authorization: Bearer %s", "tOk3n.with~chars+/="),
        ("client_secret=%s&grant_type=client_credentials", "s3cr3tValue"),
        ('{"hash": "%s"}', "0123456789abcdef0123456789abcdef"),
        ("POST /casino/V4/closesession?MEMB_ID=S1&HASH=%s", "TOK-12345"),
        ("X-API-Key: %s", "d5f1e2a3b4c5d6e7f8a9b0c1d2e3f4a5"),
        ("password='%s'", "hunter2hunter2"),
    ],
)
def test_the_redacting_filter_scrubs_secret_shaped_values(message: str, secret: str) -> None:
    record = _record(message, secret)
    assert RedactingFilter().filter(record)
    assert secret not in JsonFormatter().format(record)
    assert "[REDACTED]" in record.getMessage()


def test_the_redacting_filter_scrubs_extras_and_tracebacks() -> None:
    secret = "sk_" + secrets.token_urlsafe(24)
    try:
        raise ValueError(f"refused Bearer {secret}")
    except ValueError:
        record = logging.LogRecord("t", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    record.detail = f"api_key={secret}"
    RedactingFilter().filter(record)
    formatted = JsonFormatter().format(record)
    assert secret not in formatted
    assert "ValueError" in json.loads(formatted)["exc_info"]


def test_ordinary_messages_pass_the_redacting_filter_unchanged() -> None:
    record = _record("GET %s %d", "/v1/sessions/ses_01hx", 200, count=3)
    RedactingFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert (line["message"], line["count"]) == ("GET /v1/sessions/ses_01hx 200", 3)


def test_the_text_format_shows_the_request_id_or_a_dash() -> None:
    record = _record("hello")
    RequestContextFilter().filter(record)
    assert TextFormatter().format(record).endswith(" INFO t [-] hello")
    stamped = _record("hello", request_id="r-1")
    assert TextFormatter().format(stamped).endswith(" INFO t [r-1] hello")


def test_json_is_the_default_format_in_production_only() -> None:
    assert resolve_format(None, "production") == "json"
    assert resolve_format(None, "development") == "text"
    assert resolve_format("text", "production") == "text"


def test_the_serve_logging_config_sends_granian_through_ours_and_silences_sql() -> None:
    config = logging_config("json", "INFO")
    assert config["loggers"]["_granian"]["handlers"] == ["main"]
    assert config["loggers"]["granian.access"]["handlers"] == []
    assert config["loggers"]["sqlalchemy"]["level"] == "WARNING"
    assert config["handlers"]["main"]["filters"] == ["context", "redact"]
