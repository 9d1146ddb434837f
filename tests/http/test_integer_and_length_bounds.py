"""Integers past their range (or past signed 64-bit) and text past its column's length are the
caller's invalid input on every /v1 route, on both backends: a 4xx problem, never a 500 from
SQLite's OverflowError or a 503 "retry later" from PostgreSQL, and nothing changes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from sessionary.domain import limits
from tests.conftest import Api

from .helpers import append, assert_problem, json_object, open_session

TOO_BIG = (2**63, -(2**63) - 1, 10**30)
NEGATIVE = (*TOO_BIG, -1)
MISSING_HOOK = "wh_missing"  # the body is checked before the subscription is looked up


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # ``{sid}`` is the session's id
    params: dict[str, Any] | None = None
    json: Any = None
    headers: dict[str, str] | None = None


def query(path: str, name: str) -> Callable[[Any], Call]:
    return lambda v: Call("GET", path, params={name: v})


def body(method: str, path: str, make: Callable[[Any], Any]) -> Callable[[Any], Call]:
    return lambda v: Call(method, path, json=make(v))


def subject(**fields: Any) -> dict[str, Any]:
    return {"subject": {"kind": "user", "id": "u2"}, **fields}


PARAM = (400, "invalid-parameter")  # a query or path parameter Litestar refused
BODY = (422, "invalid-input")
EVENTS = "/v1/sessions/{sid}/events"
TIMEOUTS = (*NEGATIVE, limits.MAX_TIMEOUT_S + 1)

# (name, call builder, values that must be refused, (status, problem code))
INTEGERS: list[tuple[str, Callable[[Any], Call], tuple[Any, ...], tuple[int, str]]] = [
    ("events-after", query("/v1/events", "after"), NEGATIVE, PARAM),
    (
        "last-event-id",
        lambda v: Call("GET", "/v1/events", headers={"Last-Event-ID": str(v)}),
        NEGATIVE,
        BODY,
    ),
    (
        "replay-from",
        body("POST", f"/v1/webhooks/{MISSING_HOOK}/replay", lambda v: {"from_event_id": v}),
        (*NEGATIVE, 0),
        BODY,
    ),
    ("from-seq", query(EVENTS, "from_seq"), NEGATIVE, PARAM),
    ("to-seq", query(EVENTS, "to_seq"), NEGATIVE, PARAM),
    ("events-limit", query(EVENTS, "limit"), NEGATIVE, PARAM),
    ("sessions-limit", query("/v1/sessions", "limit"), NEGATIVE, PARAM),
    ("subjects-limit", query("/v1/subjects", "limit"), NEGATIVE, PARAM),
    ("audit-limit", query("/v1/audit", "limit"), NEGATIVE, PARAM),
    ("records-limit", query("/v1/usage/records", "limit"), NEGATIVE, PARAM),
    (
        "open-idle",
        body("POST", "/v1/sessions", lambda v: subject(idle_timeout_s=v)),
        TIMEOUTS,
        BODY,
    ),
    (
        "open-lifetime",
        body("POST", "/v1/sessions", lambda v: subject(max_lifetime_s=v)),
        TIMEOUTS,
        BODY,
    ),
    (
        "extend-ttl",
        body("POST", "/v1/sessions/{sid}/extend", lambda v: {"ttl_s": v}),
        TIMEOUTS,
        BODY,
    ),
    (
        "policy-idle",
        body("PUT", "/v1/tenant/policy", lambda v: {"idle_timeout_s": v}),
        TIMEOUTS,
        BODY,
    ),
    (
        "policy-retention",
        body("PUT", "/v1/tenant/policy", lambda v: {"retention_days": v}),
        (*NEGATIVE, limits.MAX_RETENTION_DAYS + 1),
        BODY,
    ),
]

INTEGER_CASES = [
    pytest.param(build, value, answer, id=f"{name}={value}")
    for name, build, values, answer in INTEGERS
    for value in values
]


def _long(limit: int) -> str:
    return "k" * (limit + 1)


def post(path: str, sent: Any) -> Call:
    return Call("POST", path, json=sent)


LENGTHS: list[tuple[str, Call, tuple[int, str]]] = [
    ("subject-kind", Call("PUT", f"/v1/subjects/{_long(64)}/x", json={"attributes": {}}), PARAM),
    ("subject-id", Call("PUT", f"/v1/subjects/k/{_long(200)}", json={"attributes": {}}), PARAM),
    ("open-kind", post("/v1/sessions", {"subject": {"kind": _long(64), "id": "x"}}), BODY),
    ("open-id", post("/v1/sessions", {"subject": {"kind": "k", "id": _long(200)}}), BODY),
    ("open-scope", post("/v1/sessions", subject(scope=_long(200))), BODY),
    ("open-alias", post("/v1/sessions", subject(alias=_long(200))), BODY),
    ("close-scope", post("/v1/subjects/user/u1/sessions/close", {"scope": _long(200)}), BODY),
    ("event-type", post(EVENTS, {"events": [{"type": _long(100)}]}), BODY),
    ("dedupe-key", post(EVENTS, {"events": [{"type": "t", "dedupe_key": _long(200)}]}), BODY),
    ("key-name", post("/v1/credentials", {"scopes": ["admin"], "name": _long(200)}), BODY),
    ("webhook-url", post("/v1/webhooks", {"url": "https://example.com/" + _long(2000)}), BODY),
]


async def snapshot(api: Api, sid: str) -> list[Any]:
    """What a refused call must leave as it was: sessions, subjects, events, audit, keys."""
    out: list[Any] = []
    for path in ("/v1/sessions", "/v1/subjects", f"/v1/sessions/{sid}/events", "/v1/audit"):
        response = await api.client.get(path, headers=api.headers)
        assert response.status_code == 200, response.text
        out.append(json_object(response)["items"])
    for path in ("/v1/credentials", "/v1/webhooks", "/v1/tenant"):
        response = await api.client.get(path, headers=api.headers)
        assert response.status_code == 200, response.text
        out.append(response.json())
    return out


async def send(api: Api, call: Call, sid: str) -> Any:
    return await api.client.request(
        call.method,
        call.path.replace("{sid}", sid),
        params=call.params,
        json=call.json,
        headers={**api.headers, **(call.headers or {})},
    )


@pytest.fixture
async def sid(api: Api) -> str:
    session = await open_session(api, idle_timeout_s=60)
    assert (await append(api, session["id"], {"type": "a"})).status_code == 201
    return str(session["id"])


@pytest.mark.parametrize(("build", "value", "answer"), INTEGER_CASES)
async def test_an_integer_out_of_its_range_is_the_callers_error_and_changes_nothing(
    api: Api, sid: str, build: Callable[[Any], Call], value: Any, answer: tuple[int, str]
) -> None:
    before = await snapshot(api, sid)
    assert_problem(await send(api, build(value), sid), *answer)
    assert await snapshot(api, sid) == before


@pytest.mark.parametrize(
    ("call", "answer"), [pytest.param(call, answer, id=name) for name, call, answer in LENGTHS]
)
async def test_text_longer_than_its_column_is_the_callers_error_and_changes_nothing(
    api: Api, sid: str, call: Call, answer: tuple[int, str]
) -> None:
    before = await snapshot(api, sid)
    assert_problem(await send(api, call, sid), *answer)
    assert await snapshot(api, sid) == before
