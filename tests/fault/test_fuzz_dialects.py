"""Malformed input for every dialect against a real server: random bytes, invalid UTF-8, wrong
JSON types, huge and deeply nested JSON, duplicate keys and odd headers. Every answer is the
dialect's documented error shape, the server stays up, and nothing is stored."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .edge_targets import Call, draw, edge_calls, send, swept
from .invariants import count
from .report import env_int, record
from .server import BACKENDS, GAME, Server, TenantWorld, fresh_database, provision
from .shapes import CHECKS, rufus_check

EXAMPLES = env_int("FAULT_FUZZ_EXAMPLES", 25) * 4
# Per dialect, two values at a time at random edges; the sweep tries each value at each edge.
EDGE_EXAMPLES = env_int("FAULT_FUZZ_EXAMPLES", 25) * 4
MAX_BODY = 65_536
TABLES = ("sessions", "events", "lifecycle", "subjects", "work_items", "credentials")


@dataclass
class Target:
    method: str
    path: str
    headers: dict[str, str]


@dataclass
class Fuzzed:
    server: Server
    world: TenantWorld
    targets: dict[str, list[Target]]
    edge_calls: dict[str, list[Call]]


@pytest.fixture(scope="module", params=BACKENDS)
def fuzzed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Fuzzed]:
    url = fresh_database(request, tmp_path_factory.mktemp("dialect-fuzz"))
    world = provision(url, "acme")
    # No webhook delivery worker: the fuzz subscribes a webhook it never means to call. No
    # /pagos/token throttle: its 429 would hide what the fuzz sends from the token route's
    # input checks (tests/dialects/pagos/test_token_throttle.py tests the throttle).
    server = Server(
        url,
        SESSIONARY_MAX_BODY_BYTES=str(MAX_BODY),
        SESSIONARY_WEBHOOK_INTERVAL_S="0",
        SESSIONARY_PAGOS_TOKEN_SOURCE_PER_S="0",
        SESSIONARY_PAGOS_TOKEN_CLIENT_PER_S="0",
    )
    server.start()
    try:
        targets = _targets(server.base, world)
        yield Fuzzed(server, world, targets, edge_calls(server.base, world))
    finally:
        server.stop()


def _targets(base: str, w: TenantWorld) -> dict[str, list[Target]]:
    """Each dialect's write calls, with valid credentials (and real ids) so the body is what
    gets judged."""
    native = {"Authorization": f"Bearer {w.native}"}
    sid = httpx.post(
        base + "/v1/sessions", json={"subject": {"kind": "u", "id": "f"}}, headers=native
    ).json()["id"]
    form = {"grant_type": "client_credentials", "client_id": w.pagos_client}
    form["client_secret"] = w.pagos_secret
    bearer = {
        "Authorization": "Bearer "
        + httpx.post(base + "/pagos/token", data=form).json()["access_token"]
    }
    start = {"secureLogin": w.casino_login, "token": w.casino_token, "uuid": "u", "userId": "p"}
    start.update(gameId=GAME, sessionId="s", language="en", currency="USD")
    launch = httpx.post(base + "/casino/v4/StartGame", json=start).json()["url"]
    game = {"X-Game-Token": parse_qs(urlsplit(str(launch)).query)["token"][0]}
    rufus = {"api_key": w.rufus}
    close = f"/casino/V4/closesession?MEMB_ID={w.casino_login}&HASH={w.casino_token}"
    return {
        "native": [
            Target("POST", "/v1/sessions", native),
            Target("POST", f"/v1/sessions/{sid}/events", native),
            Target("POST", f"/v1/sessions/{sid}/extend", native),
            Target("PUT", "/v1/tenant/policy", native),
        ],
        "rufus": [
            Target("POST", "/rufus/v0/devices", rufus),
            Target("POST", "/rufus/v0/sessions", rufus),
            Target("POST", "/rufus/v0/passings", rufus),
        ],
        "hivemp": [Target("PUT", "/hivemp/v1/authenticate", {"X-API-Key": w.hivemp})],
        "pagos": [
            Target("POST", "/pagos/Api/Applications/OpenDedicatedSession", bearer),
            Target("POST", "/pagos/Api/Applications/CloseDedicatedSession", bearer),
        ],
        "casino": [
            Target("POST", "/casino/v4/StartGame", {}),
            Target("POST", close, {}),
            Target("POST", "/casino/game/rounds", game),
            Target("POST", "/casino/history/GetGameRounds", {}),
        ],
    }


# -- malformed input -----------------------------------------------------------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
_scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=10) | st.lists(st.none())
# Known field names with wrong-typed values: the closest a malformed body gets to a valid one.
_FIELDS = [
    "subject", "events", "ttl_s", "idle_timeout_s", "deviceid", "token_session", "passings_list",
    "serial_number", "emailAddress", "passwordHash", "ApplicationKey", "SessionId", "secureLogin",
    "userId", "gameId", "hash", "bet", "currency", "token",
]  # fmt: skip
# Values a target takes as they are: null or a whole number of seconds for the ttl (extend) and
# the idle timeout (tenant policy), any non-negative number for a casino round's bet (unknown
# keys beside it are ignored). Such a body is valid, not malformed, so it is not generated.
_VALID_AS_IS = {"ttl_s", "idle_timeout_s"}


def malformed_everywhere(value: object) -> bool:
    if not isinstance(value, dict):
        return True
    for key, field in value.items():
        if key in _VALID_AS_IS and (field is None or type(field) is int):
            return False
        if key == "bet" and type(field) in (int, float) and field >= 0:
            return False
    return True


_wrong_types: st.SearchStrategy[dict[str, Any]] = st.dictionaries(
    st.sampled_from(_FIELDS), _scalars, min_size=1
).filter(malformed_everywhere)


def _deep(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


def _duplicate(key: str) -> bytes:
    return f'{{"{key}":"x","{key}":1,"{key}":null}}'.encode()


bodies = st.one_of(
    st.binary(max_size=200),
    st.binary(max_size=50).map(lambda b: b'{"a":"\xff\xfe' + b + b'"}'),  # invalid UTF-8
    _json.filter(lambda v: v != {} and malformed_everywhere(v)).map(
        lambda v: json.dumps(v).encode()
    ),
    _wrong_types.map(lambda v: json.dumps(v).encode()),
    st.integers(1_000, 50_000).map(_deep),
    st.sampled_from(_FIELDS).map(_duplicate),
    st.just(b'{"a":"' + b"x" * (MAX_BODY + 10) + b'"}'),  # over the body limit
    st.just(b"[" + b'{"type":"t"},' * 6000 + b'{"type":"t"}]'),  # huge but in the limit
)
headers = st.sampled_from(
    [
        {"Content-Type": "application/json"},
        {"Content-Type": "application/json; charset=utf-16"},
        {"Content-Type": "text/plain"},
        {"Content-Type": "application/x-www-form-urlencoded"},
        {"Content-Type": "multipart/form-data; boundary=zzz"},
        {"Content-Type": "application/json", "Content-Encoding": "gzip"},
        {"Content-Type": "application/json", "Idempotency-Key": ""},
        {"Content-Type": "application/json", "X-Request-Id": "x" * 300},
        {"Content-Type": "??"},
        {},
    ]
)


@pytest.mark.parametrize(
    ("fields", "kept"),
    [
        ({"idle_timeout_s": None}, False),  # PUT /v1/tenant/policy takes it: 200
        ({"ttl_s": 5}, False),  # extend takes it: 200
        ({"ttl_s": 5, "subject": "x"}, False),
        ({"ttl_s": "5"}, True),
        ({"ttl_s": True}, True),
        ({"subject": None, "events": 3}, True),
        ({"": None, "bet": 0}, False),  # POST /casino/game/rounds takes it: 200
        ({"bet": "1"}, True),
        ([1, 2], True),
    ],
)
def test_wrong_typed_bodies_leave_out_the_ones_a_target_takes_as_valid(
    fields: object, kept: bool
) -> None:
    assert malformed_everywhere(fields) is kept


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (404, {"description": "Device not found", "deviceid": " "}),
        (404, {"description": "Session not found or closed", "token_session": "X"}),
        (400, {"description": "deviceid is required"}),
    ],
)
def test_the_rufus_check_takes_the_documented_error_bodies(
    status: int, body: dict[str, str]
) -> None:
    rufus_check(httpx.Response(status, json=body))


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, {"description": "bad", "deviceid": "x"}),
        (404, {"description": "Device not found", "stack": "..."}),
        (404, {"deviceid": "x", "description": "Device not found"}),
        (500, {"description": "boom"}),
    ],
)
def test_the_rufus_check_refuses_other_error_bodies(status: int, body: dict[str, str]) -> None:
    with pytest.raises(AssertionError):
        rufus_check(httpx.Response(status, json=body))


@pytest.mark.parametrize("dialect", list(CHECKS))
def test_malformed_input_gets_the_dialects_documented_error_and_changes_nothing(
    fuzzed: Fuzzed, dialect: str
) -> None:
    url = fuzzed.server.database_url
    before = {table: count(url, table) for table in TABLES}
    statuses: Counter[int] = Counter()
    check = CHECKS[dialect]
    base = fuzzed.server.base

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(target=st.sampled_from(fuzzed.targets[dialect]), body=bodies, extra=headers)
    def run(target: Target, body: bytes, extra: dict[str, str]) -> None:
        sent = {**target.headers, **extra}
        response = httpx.request(target.method, base + target.path, content=body, headers=sent)
        statuses[response.status_code] += 1
        try:
            check(response)
        except (AssertionError, ValueError, KeyError) as exc:
            shown = body if len(body) < 300 else body[:300] + b"..."
            raise AssertionError(f"{target.method} {target.path} {extra} {shown!r}") from exc

    run()
    assert fuzzed.server.alive()
    assert {table: count(url, table) for table in TABLES} == before, "malformed input was stored"
    record("fuzz-dialects", dialect=dialect, cases=sum(statuses.values()), statuses=statuses)


@pytest.mark.parametrize("dialect", list(CHECKS))
def test_each_value_of_each_route_at_each_edge_never_fails_the_server(
    fuzzed: Fuzzed, dialect: str
) -> None:
    """The sweep: every route of the dialect, each int and str of its request in turn one past
    a column's length or beyond 64 bits (edges.py): never a 5xx (a 503 tells a client to retry
    a request that can never succeed), an error in the dialect's shape, the database ready."""
    failures: dict[tuple[str, str, int], str] = {}
    cases = 0
    with httpx.Client(base_url=fuzzed.server.base) as http:
        for call in fuzzed.edge_calls[dialect]:
            for sent in swept(call):
                _judge(dialect, call, sent, send(http, sent), failures)
                cases += 1
    assert not failures, "\n".join(failures.values())
    assert fuzzed.server.alive()
    assert httpx.get(fuzzed.server.base + "/readyz").status_code == 200
    record("fuzz-edge-sweep", dialect=dialect, cases=cases)


@pytest.mark.parametrize("dialect", list(CHECKS))
def test_values_at_64_bit_edges_and_column_lengths_never_fail_the_server(
    fuzzed: Fuzzed, dialect: str
) -> None:
    """Random pairs of edge values in every route of the dialect, the same rule."""
    statuses: Counter[int] = Counter()
    failures: dict[tuple[str, str, int], str] = {}

    @settings(
        max_examples=EDGE_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(call=st.sampled_from(fuzzed.edge_calls[dialect]), data=st.data())
    def run(call: Call, data: st.DataObject) -> None:
        sent = draw(call, data)
        response = send(http, sent)
        statuses[response.status_code] += 1
        _judge(dialect, call, sent, response, failures)

    with httpx.Client(base_url=fuzzed.server.base) as http:
        run()
    assert not failures, "\n".join(failures.values())
    assert fuzzed.server.alive()
    record("fuzz-edges", dialect=dialect, cases=sum(statuses.values()), statuses=statuses)


def _judge(
    dialect: str,
    call: Call,
    sent: Call,
    response: httpx.Response,
    failures: dict[tuple[str, str, int], str],
) -> None:
    """Keeps one example of each route and status that breaks the rule: a run lists them all."""
    try:
        assert response.status_code < 500, response.text
        if response.status_code >= 400:
            CHECKS[dialect](response)
    except (AssertionError, ValueError, KeyError):
        shown = f"{_shown(sent)}\n    -> {response.status_code} {response.text[:200]}"
        failures.setdefault((call.method, call.path, response.status_code), shown)


def _shown(call: Call) -> str:
    text = f"{call.method} {call.path} query={call.query} body={call.body} headers={call.headers}"
    return text if len(text) < 600 else text[:600] + "..."


@pytest.mark.parametrize("dialect", list(CHECKS))
def test_invalid_utf8_and_very_deep_json_are_malformed_bodies_not_server_errors(
    fuzzed: Fuzzed, dialect: str
) -> None:
    """Reproducer: msgspec raises UnicodeDecodeError / RecursionError for these, which every
    dialect's decoder let through as a 500."""
    for target in fuzzed.targets[dialect]:
        for body in (b'{"a":"\xff"}', b'{"":"\x80"', _deep(2000)):
            headers = {**target.headers, "Content-Type": "application/json"}
            response = httpx.request(
                target.method, fuzzed.server.base + target.path, content=body, headers=headers
            )
            CHECKS[dialect](response)
