"""What each dialect documents for bad input: the shape of its error answers, checked by the
fuzz suites."""

from __future__ import annotations

from collections.abc import Callable

import httpx

Check = Callable[[httpx.Response], None]


def _native(r: httpx.Response) -> None:
    assert 400 <= r.status_code < 500, r.text
    assert r.headers["content-type"] == "application/problem+json", r.headers
    body = r.json()
    assert body["type"].startswith("urn:sessionary:problem:") and body["status"] == r.status_code


# A RUFUS 404 names what was not found (spec §7: "Device not found" with the deviceid sent,
# "Session not found or closed" with the token); every other error is the description alone.
_RUFUS_NOT_FOUND_KEYS = {"deviceid", "token_session"}


def rufus_check(r: httpx.Response) -> None:
    assert 400 <= r.status_code < 500, r.text
    body = r.json()
    keys = list(body)
    assert keys[0] == "description" and isinstance(body["description"], str), r.text
    extra = set(keys[1:])
    assert not extra or (r.status_code == 404 and extra <= _RUFUS_NOT_FOUND_KEYS), r.text


def _hivemp(r: httpx.Response) -> None:
    body = r.json()
    if r.status_code == 200:  # authenticate asks for what is missing (spec §4.1)
        assert body["authenticatedSession"] is None, r.text
        return
    assert 400 <= r.status_code < 500, r.text
    assert set(body) == {"code", "message", "fields", "data"}, r.text
    assert isinstance(body["code"], int) and 1000 < body["code"] < 2000, r.text


# The token endpoint answers as OAuth 2.0 does (RFC 6749 section 5.2), not in Pagos' envelope.
_OAUTH_ERRORS = {"invalid_request", "invalid_client", "unsupported_grant_type"}


def _pagos(r: httpx.Response) -> None:
    body = r.json()
    if r.request.url.path == "/pagos/token" and r.status_code == 400:
        assert list(body) == ["error"] and body["error"] in _OAUTH_ERRORS, r.text
        return
    if r.status_code == 200:  # the envelope: a failure with its message
        assert body["Success"] is False and body["Messages"], r.text
    else:
        assert 400 <= r.status_code < 500 and list(body) == ["Message"], r.text


def _casino(r: httpx.Response) -> None:
    body = r.json()
    if r.status_code == 200:  # Gen B: a numeric error code in the body
        assert isinstance(body["error"], int) and body["error"] != 0, r.text
        assert isinstance(body["description"], str), r.text
    else:
        assert 400 <= r.status_code < 500, r.text
        assert set(body["error"]) == {"code", "message"}, r.text


CHECKS: dict[str, Check] = {
    "native": _native,
    "rufus": rufus_check,
    "hivemp": _hivemp,
    "pagos": _pagos,
    "casino": _casino,
}
