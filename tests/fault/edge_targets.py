"""Every route of every dialect, as one well-formed request each (real ids, valid credentials),
for the edge fuzz: each int and str in its path, query, body and headers is kept or replaced by
a value at a 64-bit edge or a column's length (edges.py), so what gets judged is how the server
answers a value it can parse but may not be able to store."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from hypothesis import strategies as st

from sessionary.http.dialects.casino.signing import sign

from .edges import push_to_edges, sweep
from .server import GAME, TenantWorld

TIME = "2023-01-22T09:00:00.000Z"


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # {name} placeholders are filled from ``ids``, which are pushed to edges too
    ids: dict[str, str] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    form: bool = False  # the body is sent as a form, not JSON
    signed_by: str | None = None  # a casino secret: the body is signed after it is drawn
    stream: bool = False  # a long-lived answer: only its status and headers are read


# Credentials stay valid: a request must get past authentication to reach the database (the
# malformed-input fuzz and the isolation suite try credentials).
CREDENTIALS = frozenset({"Authorization", "api_key", "X-API-Key", "X-Game-Token"})


def draw(call: Call, data: st.DataObject) -> Call:
    """``call`` with one or two of its values replaced by an edge value (edges.py)."""
    return _with(call, push_to_edges(data, _values(call)))


def swept(call: Call) -> Iterator[Call]:
    """``call`` with each of its values, one at a time, at each edge (edges.py)."""
    for values in sweep(_values(call)):
        yield _with(call, values)


def _values(call: Call) -> dict[str, Any]:
    headers = {k: v for k, v in call.headers.items() if k not in CREDENTIALS}
    return {"ids": call.ids, "query": call.query, "body": call.body, "headers": headers}


def _with(call: Call, values: dict[str, Any]) -> Call:
    body = values["body"]
    if call.signed_by is not None and isinstance(body, dict):
        body = {**body, "hash": sign(body, call.signed_by)}
    headers = {k: v for k, v in call.headers.items() if k in CREDENTIALS}
    headers.update({k: str(v) for k, v in values["headers"].items()})
    return replace(
        call,
        path=call.path.format(**{k: str(v) for k, v in values["ids"].items()}),
        query=values["query"],
        body=body,
        headers=headers,
    )


def send(http: httpx.Client, call: Call) -> httpx.Response:
    headers = {k: v.encode() for k, v in call.headers.items()}  # UTF-8: a header is bytes
    options: dict[str, Any] = {"params": call.query, "headers": headers, "timeout": 30}
    if call.body is not None:
        options["data" if call.form else "json"] = call.body
    if not call.stream:
        return http.request(call.method, call.path, **options)
    with http.stream(call.method, call.path, **options) as response:
        if response.status_code >= 300:
            response.read()
        return response


def edge_calls(base: str, w: TenantWorld) -> dict[str, list[Call]]:
    return {
        "native": _native(base, w),
        "rufus": _rufus(base, w),
        "hivemp": _hivemp(base, w),
        "pagos": _pagos(base, w),
        "casino": _casino(base, w),
    }


def _native(base: str, w: TenantWorld) -> list[Call]:
    """What schemathesis does not reach: the event stream (its Last-Event-ID header), and
    the routes of a webhook and a session that exist, with every value but one valid."""
    auth = {"Authorization": f"Bearer {w.native}"}
    sid = _post(base, "/v1/sessions", {"subject": {"kind": "u", "id": "edge"}}, auth)["id"]
    events = [{"type": "t", "payload": {"n": 1}, "occurred_at": TIME, "dedupe_key": "k"}]
    hook = {"url": "https://93.184.216.34/hook", "event_types": ["closed"]}
    wh = {"w": _post(base, "/v1/webhooks", hook, auth)["id"]}
    s = {"s": sid}
    seqs = {"from_seq": 1, "to_seq": 5, "limit": 10}
    opened = {"subject": {"kind": "u", "id": "o"}, "scope": "s", "alias": "a", "metered": True}
    opened.update(idle_timeout_s=60, max_lifetime_s=600, state={"n": 1})
    subject = {"k": "u", "i": "edge"}
    return [
        Call("GET", "/v1/events", headers={**auth, "Last-Event-ID": "1"}, stream=True),
        Call("GET", "/v1/events", query={"after": 1, "session_id": sid}, headers=auth, stream=True),
        Call("POST", "/v1/sessions/{s}/events", s, body={"events": events}, headers=auth),
        Call("GET", "/v1/sessions/{s}/events", s, seqs, None, auth),
        Call("POST", "/v1/sessions/{s}/extend", s, body={"ttl_s": 60}, headers=auth),
        Call("POST", "/v1/webhooks/{w}/replay", wh, body={"from_event_id": 1}, headers=auth),
        Call("GET", "/v1/webhooks/{w}/deliveries", wh, {"limit": 10}, None, auth),
        Call("PATCH", "/v1/webhooks/{w}", wh, body=hook, headers=auth),
        Call("POST", "/v1/sessions", body=opened, headers=auth),
        Call("PUT", "/v1/subjects/{k}/{i}", subject, body={"attributes": {"a": 1}}, headers=auth),
        Call("GET", "/v1/subjects/{k}/{i}", subject, headers=auth),
        Call(
            "POST",
            "/v1/subjects/{k}/{i}/sessions/close",
            subject,
            body={"scope": "s"},
            headers=auth,
        ),
        Call(
            "POST", "/v1/credentials", body={"scopes": ["sessions:read"], "name": "n"}, headers=auth
        ),
        Call(
            "PUT",
            "/v1/tenant/policy",
            body={"idle_timeout_s": 60, "retention_days": 5},
            headers=auth,
        ),
    ]


def _rufus(base: str, w: TenantWorld) -> list[Call]:
    key = {"api_key": w.rufus}
    device = {"model": "M", "serial_number": "S1", "alias": "a", "firmware": "f", "type": "t"}
    dev = str(_post(base, "/rufus/v0/devices", device, key)["deviceid"])
    tok = str(
        _post(base, "/rufus/v0/sessions", {"deviceid": dev, "alias": "a"}, key)["token_session"]
    )
    passing = {"bib": "B1", "num_passing": 1, "timestamp": TIME, "latitude": 1.5, "chip": "c"}
    passing.update(longitude=2, status="s", participant_id="p", timezone="UTC", gender="m")
    d, t = {"d": dev}, {"t": tok}
    window = {"from": TIME, "to": TIME, "page": 1}
    return [
        Call("POST", "/rufus/v0/devices", body=device, headers=key),
        Call(
            "POST",
            "/rufus/v0/passings",
            body={"token_session": tok, "passings_list": [passing]},
            headers=key,
        ),
        Call("GET", "/rufus/v0/devices", query={"page": 1, "limit": 10}, headers=key),
        Call("GET", "/rufus/v0/devices/{d}", d, headers=key),
        Call("GET", "/rufus/v0/sessions/device/{d}", d, headers=key),
        Call("GET", "/rufus/v0/sessions/device/{d}/active", d, headers=key),
        Call("GET", "/rufus/v0/sessions/{t}", t, headers=key),
        Call("GET", "/rufus/v0/passings/session/{t}", t, {"first": 1, "last": 5}, None, key),
        Call("GET", "/rufus/v0/passings/device/{d}", d, window, headers=key),
        Call("GET", "/rufus/v0/passings/device2/{d}", d, {**window, "last": 1}, headers=key),
        # Opening supersedes the device's session (the token above): after the calls using it.
        Call("POST", "/rufus/v0/sessions", body={"deviceid": dev, "alias": "a"}, headers=key),
        Call("PATCH", "/rufus/v0/sessions/close/{t}", {"t": "edge-" + tok}, headers=key),
        Call("DELETE", "/rufus/v0/devices/{d}", {"d": "edge-" + dev}, headers=key),
    ]


def _hivemp(base: str, w: TenantWorld) -> list[Call]:
    email, password = w.accounts[0]
    digest = hashlib.sha256(("HiveMPv1" + password).encode()).hexdigest()
    login = {"emailAddress": email, "passwordHash": digest, "metered": True, "projectId": "p"}
    app = {"X-API-Key": w.hivemp}
    opened = httpx.put(base + "/hivemp/v1/authenticate", json=login, headers=app).json()
    session = opened["authenticatedSession"]
    own = {"X-API-Key": session["apiKey"]}
    sid = {"id": session["id"]}
    return [
        Call("PUT", "/hivemp/v1/authenticate", body=login, headers=app),
        Call("GET", "/hivemp/v1/session", query=sid, headers=own),
        Call("POST", "/hivemp/v1/session", query=sid, headers=own),
        Call("PUT", "/hivemp/v1/session", query={"authenticationProvider": "x"}, headers=app),
        Call("DELETE", "/hivemp/v1/session", query={"id": "edge-" + session["id"]}, headers=own),
    ]


def _pagos(base: str, w: TenantWorld) -> list[Call]:
    form = {"grant_type": "client_credentials", "client_id": w.pagos_client}
    form["client_secret"] = w.pagos_secret
    issued = httpx.post(base + "/pagos/token", data=form).json()
    bearer = {"Authorization": "Bearer " + issued["access_token"]}
    app = {"ApplicationKey": w.pagos_app}
    close = {**app, "SessionId": str(uuid.uuid4())}  # not the open one: it stays open
    return [
        Call("POST", "/pagos/token", body=form, form=True),
        Call("POST", "/pagos/Api/Applications/OpenDedicatedSession", body=app, headers=bearer),
        Call("POST", "/pagos/Api/Applications/CloseDedicatedSession", body=close, headers=bearer),
    ]


def _casino(base: str, w: TenantWorld) -> list[Call]:
    start = {"secureLogin": w.casino_login, "token": w.casino_token, "uuid": "u", "userId": "p"}
    start.update(gameId=GAME, sessionId="s", language="en", currency="USD")
    launch = _post(base, "/casino/v4/StartGame", start, {})["url"]
    token = parse_qs(urlsplit(str(launch)).query)["token"][0]
    game = {"X-Game-Token": token}
    round_id = _post(base, "/casino/game/rounds", {"bet": 1.0, "currency": "USD"}, game)
    gen_a = {"secureLogin": w.casino_login, "externalPlayerId": "p2", "gameId": GAME}
    gen_a.update(language="en", platform="WEB", lobbyUrl="https://example.com/")
    close = {"secureLogin": w.casino_login, "userId": "p-edge", "gameId": GAME, "clearHistory": 1}
    memb = {"MEMB_ID": w.casino_login, "HASH": w.casino_token}
    history: dict[str, Any] = {
        "secureLogin": w.casino_login,
        "token": w.casino_token,
        "userId": "p",
    }
    history.update(gameId=GAME, dateStart=TIME, dateEnd=TIME, page=1, limit=10)
    status = {"secureLogin": w.casino_login, "token": w.casino_token, "roundId": "r"}
    rid = {"r": str(round_id["round"]["roundId"])}
    start["userId"] = "p-start"  # starting the game token's player again would end its session
    return [
        Call("POST", "/casino/v4/StartGame", body=start),
        Call("POST", "/casino/api/startgame", query=memb, body=gen_a, signed_by=w.casino_secret),
        Call("POST", "/casino/V4/closesession", query=memb, body=close, signed_by=w.casino_secret),
        Call("POST", "/casino/game/rounds", body={"bet": 1.0, "currency": "USD"}, headers=game),
        Call("POST", "/casino/game/rounds/{r}/finish", rid, body={"win": 0.5}, headers=game),
        Call("GET", "/casino/game/launch", query={"token": token}),
        Call("GET", "/casino/game/session", headers=game),
        Call("POST", "/casino/history/GetGameRounds", body=history),
        Call("POST", "/casino/history/GetRoundStatus", body=status),
    ]


def _post(base: str, path: str, body: Any, headers: dict[str, str]) -> Any:
    response = httpx.post(base + path, json=body, headers=headers)
    assert response.status_code in (200, 201), (path, response.text)
    return response.json()
