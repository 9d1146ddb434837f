"""RFC 9457 problem+json bodies built by sessionary.http.problem."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Response

from sessionary.http.problem import PROBLEM_JSON, TYPE_PREFIX, problem


def body_of(response: Response[bytes]) -> dict[str, Any]:
    decoded: dict[str, Any] = msgspec.json.decode(response.content)
    return decoded


def test_a_problem_is_served_as_problem_json_with_its_status() -> None:
    response = problem(404, "session-not-found", "no such session")
    assert response.media_type == PROBLEM_JSON == "application/problem+json"
    assert response.status_code == 404
    assert body_of(response) == {
        "type": "urn:sessionary:problem:session-not-found",
        "title": "Not Found",
        "status": 404,
        "detail": "no such session",
    }


def test_the_type_is_the_stable_prefix_plus_the_code() -> None:
    body = body_of(problem(409, "idempotency-key-reused", "x"))
    assert TYPE_PREFIX == "urn:sessionary:problem:"
    assert body["type"] == TYPE_PREFIX + "idempotency-key-reused"


def test_an_unknown_status_gets_a_generic_title() -> None:
    assert body_of(problem(418, "teapot", "short and stout"))["title"] == "Error"


def test_a_status_extension_becomes_session_status_and_keeps_the_http_status() -> None:
    response = problem(409, "session-not-active", "closed", extra={"status": "closed"})
    body = body_of(response)
    assert body["status"] == 409
    assert body["session_status"] == "closed"
    assert response.status_code == 409


def test_no_standard_member_can_be_overwritten_by_an_extension() -> None:
    extra = {"type": "t", "title": "x", "detail": "d", "instance": "/i", "request_id": "r2"}
    body = body_of(problem(400, "invalid-input", "bad", request_id="r1", extra=extra))
    assert body["type"] == TYPE_PREFIX + "invalid-input"
    assert (body["title"], body["detail"], body["request_id"]) == ("Bad Request", "bad", "r1")
    assert body["session_type"] == "t"
    assert body["session_instance"] == "/i"
    assert body["session_request_id"] == "r2"


def test_other_extensions_are_copied_and_none_values_dropped() -> None:
    extra = {"field": "ttl_s", "id": "ses_1", "limit": None}
    body = body_of(problem(400, "invalid-input", "bad", extra=extra))
    assert body["field"] == "ttl_s"
    assert body["id"] == "ses_1"
    assert "limit" not in body


def test_the_request_id_is_included_only_when_known() -> None:
    assert body_of(problem(500, "internal", "oops", request_id="req-9"))["request_id"] == "req-9"
    assert "request_id" not in body_of(problem(500, "internal", "oops"))


def test_headers_are_passed_through() -> None:
    response = problem(429, "limit-exceeded", "slow down", headers={"Retry-After": "3"})
    assert response.headers["Retry-After"] == "3"
