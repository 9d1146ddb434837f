"""Pagos takes no integer from the caller: an integer (past 64-bit or negative) or over-long
text where an ApplicationKey or SessionId belongs is the envelope's failure (HTTP 200,
``Success: false``) on both backends, never a 500 or a 503, and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from .helpers import Pagos, native_sessions

TOO_BIG = (2**63, -(2**63) - 1, 10**30, -1)
LONG = "a" * 2001


def refused(response: Any) -> None:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["Success"] is False and body["Messages"], response.text


@pytest.mark.parametrize("value", (*TOO_BIG, LONG), ids=lambda v: str(v)[:12])
async def test_an_integer_or_over_long_application_key_fails_in_the_envelope(
    pagos: Pagos, token: str, session_s: str, native: dict[str, str], value: Any
) -> None:
    before = await native_sessions(pagos.client, native)
    refused(await pagos.open(token, {"ApplicationKey": value}))
    refused(await pagos.close(token, {"ApplicationKey": value, "SessionId": session_s}))
    assert await native_sessions(pagos.client, native) == before


@pytest.mark.parametrize("value", (*TOO_BIG, LONG), ids=lambda v: str(v)[:12])
async def test_an_integer_or_over_long_session_id_fails_in_the_envelope(
    pagos: Pagos, token: str, app_a: str, session_s: str, native: dict[str, str], value: Any
) -> None:
    before = await native_sessions(pagos.client, native)
    refused(await pagos.close(token, {"ApplicationKey": app_a, "SessionId": value}))
    assert await native_sessions(pagos.client, native) == before


@pytest.mark.parametrize("value", (*TOO_BIG, LONG), ids=lambda v: str(v)[:12])
async def test_an_integer_or_over_long_client_id_gets_no_token(pagos: Pagos, value: Any) -> None:
    form = {"grant_type": "client_credentials", "client_id": value, "client_secret": "s"}
    response = await pagos.client.post(f"{pagos.prefix}/token", json=form)
    assert response.status_code == 400, response.text
    assert response.json()["error"] in ("invalid_request", "invalid_client")
