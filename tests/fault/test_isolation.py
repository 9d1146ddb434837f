"""Isolation and secrets. Every id-taking route of every dialect, called with another tenant's
credential and this tenant's ids, answers exactly like an unknown id (and changes nothing);
a database dump holds no credential secret in clear."""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from sessionary.http.dialects.casino.signing import sign

from .report import record
from .server import GAME, Server, TenantWorld, provision, query

Call = tuple[str, str, dict[str, Any]]  # method, path, httpx keyword arguments


@dataclass
class Objects:
    """Ids of live things in one tenant, one per kind a route can address."""

    session: str
    subject: tuple[str, str]
    credential: str
    device: str
    token: str
    hive_session: str
    hive_key: str
    email: str
    pagos_session: str
    pagos_bearer: str
    game_token: str
    round: str
    player: str
    webhook: str
    webhook_secret: str


@pytest.fixture
def two_tenants(database_url: str) -> Iterator[tuple[Server, TenantWorld, TenantWorld]]:
    mine, theirs = provision(database_url, "acme"), provision(database_url, "globex")
    server = Server(database_url)
    server.start()
    try:
        yield server, mine, theirs
    finally:
        server.stop()


def populate(base: str, w: TenantWorld, tag: str) -> Objects:
    with httpx.Client(base_url=base, timeout=30) as http:
        native = {"Authorization": f"Bearer {w.native}"}
        subject = ("player", f"iso-{tag}")
        body = {"subject": {"kind": subject[0], "id": subject[1]}, "scope": "s"}
        session = http.post("/v1/sessions", json=body, headers=native).json()["id"]
        http.post(
            f"/v1/sessions/{session}/events", json={"events": [{"type": "t"}]}, headers=native
        )
        cred = http.post("/v1/credentials", json={"scopes": ["sessions:read"]}, headers=native)
        hook = http.post(
            "/v1/webhooks", json={"url": f"https://receiver.invalid/{tag}"}, headers=native
        ).json()
        rufus = {"api_key": w.rufus}
        device = http.post(
            "/rufus/v0/devices", json={"model": "M", "serial_number": f"SN-{tag}"}, headers=rufus
        ).json()["deviceid"]
        token = http.post("/rufus/v0/sessions", json={"deviceid": device}, headers=rufus).json()[
            "token_session"
        ]
        email, password = w.accounts[0]
        digest = hashlib.sha256(("HiveMPv1" + password).encode()).hexdigest()
        hive = http.put(
            "/hivemp/v1/authenticate",
            json={"emailAddress": email, "passwordHash": digest, "metered": True},
            headers={"X-API-Key": w.hivemp},
        ).json()["authenticatedSession"]
        form = {"grant_type": "client_credentials", "client_id": w.pagos_client}
        form["client_secret"] = w.pagos_secret
        bearer = http.post("/pagos/token", data=form).json()["access_token"]
        pagos = http.post(
            "/pagos/Api/Applications/OpenDedicatedSession",
            json={"ApplicationKey": w.pagos_app},
            headers={"Authorization": f"Bearer {bearer}"},
        ).json()["SessionId"]
        player = f"pl-{tag}"
        start = {"secureLogin": w.casino_login, "token": w.casino_token, "uuid": "u"}
        start.update(userId=player, gameId=GAME, sessionId="s", language="en", currency="USD")
        url = http.post("/casino/v4/StartGame", json=start).json()["url"]
        game_token = parse_qs(urlsplit(str(url)).query)["token"][0]
        rnd = http.post(
            "/casino/game/rounds",
            json={"bet": 1.0, "currency": "USD"},
            headers={"X-Game-Token": game_token},
        ).json()["round"]["roundId"]
    return Objects(
        session=session,
        subject=subject,
        credential=cred.json()["id"],
        device=device,
        token=token,
        hive_session=hive["id"],
        hive_key=hive["apiKey"],
        email=email,
        pagos_session=pagos,
        pagos_bearer=bearer,
        game_token=game_token,
        round=str(rnd),
        player=player,
        webhook=hook["id"],
        webhook_secret=hook["secret"],
    )


def unknown_like(o: Objects, w: TenantWorld) -> Objects:
    """Ids of the same shapes that exist nowhere."""
    hexid = secrets.token_hex(32).upper()
    return Objects(
        session="ses_" + "0" * 26,
        subject=("player", "nobody-at-all"),
        credential="key_" + "0" * 26,
        device=hexid,
        token=secrets.token_hex(32).upper(),
        hive_session="us-" + "1" * 16,
        hive_key=o.hive_key,
        email="nobody@nowhere.example",
        pagos_session=str(uuid.uuid4()),
        pagos_bearer=o.pagos_bearer,
        game_token=o.game_token,
        round="9" * 16,
        player="nobody-player",
        webhook="wh_" + "0" * 26,
        webhook_secret="",
    )


def calls(target: Objects, me: TenantWorld, mine: Objects) -> list[Call]:
    """Every id-taking route, with *my* credentials and *target*'s ids."""
    n = {"headers": {"Authorization": f"Bearer {me.native}"}}
    r = {"headers": {"api_key": me.rufus}}
    h = {"headers": {"X-API-Key": mine.hive_key}}
    p = {"headers": {"Authorization": f"Bearer {mine.pagos_bearer}"}}
    g = {"headers": {"X-Game-Token": mine.game_token}}
    s, (kind, sub) = target.session, target.subject
    hive = {"id": target.hive_session}
    casino = {"secureLogin": me.casino_login, "token": me.casino_token}
    close = {"secureLogin": me.casino_login, "userId": target.player, "gameId": GAME}
    close = {**close, "clearHistory": "1"}
    close["hash"] = sign(close, me.casino_secret)
    digest = hashlib.sha256(b"HiveMPv1whatever").hexdigest()
    return [
        ("GET", f"/v1/sessions/{s}", n),
        ("GET", f"/v1/sessions/{s}/events", n),
        ("POST", f"/v1/sessions/{s}/events", {**n, "json": {"events": [{"type": "x"}]}}),
        ("POST", f"/v1/sessions/{s}/extend", {**n, "json": {}}),
        ("POST", f"/v1/sessions/{s}/close", n),
        ("DELETE", f"/v1/sessions/{s}", n),
        ("GET", "/v1/sessions", {**n, "params": {"subject_kind": kind, "subject_id": sub}}),
        ("GET", f"/v1/subjects/{kind}/{sub}", n),
        ("POST", f"/v1/subjects/{kind}/{sub}/sessions/close", {**n, "json": {}}),
        ("DELETE", f"/v1/credentials/{target.credential}", n),
        ("GET", f"/v1/webhooks/{target.webhook}", n),
        ("GET", f"/v1/webhooks/{target.webhook}/deliveries", n),
        ("POST", f"/v1/webhooks/{target.webhook}/replay", {**n, "json": {"from_event_id": 1}}),
        ("PATCH", f"/v1/webhooks/{target.webhook}", {**n, "json": {"active": False}}),
        ("DELETE", f"/v1/webhooks/{target.webhook}", n),
        ("GET", f"/rufus/v0/devices/{target.device}", r),
        ("GET", f"/rufus/v0/sessions/{target.token}", r),
        ("GET", f"/rufus/v0/sessions/device/{target.device}", r),
        ("GET", f"/rufus/v0/sessions/device/{target.device}/active", r),
        ("GET", f"/rufus/v0/passings/session/{target.token}", r),
        ("GET", f"/rufus/v0/passings/device/{target.device}", r),
        ("GET", f"/rufus/v0/passings/device2/{target.device}", r),
        ("POST", "/rufus/v0/sessions", {**r, "json": {"deviceid": target.device}}),
        (
            "POST",
            "/rufus/v0/passings",
            {
                **r,
                "json": {
                    "token_session": target.token,
                    "passings_list": [
                        {"bib": "1", "num_passing": 1, "timestamp": "2023-01-22T09:00:00.000Z"}
                    ],
                },
            },
        ),
        ("PATCH", f"/rufus/v0/sessions/close/{target.token}", r),
        ("DELETE", f"/rufus/v0/devices/{target.device}", r),
        ("GET", "/hivemp/v1/session", {**h, "params": hive}),
        ("PUT", "/hivemp/v1/session", {**h, "params": hive}),
        ("POST", "/hivemp/v1/session", {**h, "params": hive}),
        ("DELETE", "/hivemp/v1/session", {**h, "params": hive}),
        (
            "PUT",
            "/hivemp/v1/authenticate",
            {
                "headers": {"X-API-Key": me.hivemp},
                "json": {"emailAddress": target.email, "passwordHash": digest},
            },
        ),
        (
            "POST",
            "/pagos/Api/Applications/CloseDedicatedSession",
            {**p, "json": {"ApplicationKey": me.pagos_app, "SessionId": target.pagos_session}},
        ),
        ("POST", f"/casino/game/rounds/{target.round}/finish", {**g, "json": {"win": 1}}),
        (
            "POST",
            "/casino/history/GetRoundStatus",
            {"json": {**casino, "roundId": target.round, "uuid": "x"}},
        ),
        (
            "POST",
            "/casino/history/GetGameRounds",
            {"json": {**casino, "userId": target.player, "uuid": "x"}},
        ),
        (
            "POST",
            f"/casino/V4/closesession?MEMB_ID={me.casino_login}&HASH={me.casino_token}",
            {"json": close},
        ),
    ]


def normalise(response: httpx.Response, ids: Objects) -> tuple[int, str, str]:
    """Status, content type and body with the addressed ids and request ids blanked."""
    text = response.text
    for value in (ids.session, ids.device, ids.token, ids.hive_session, ids.pagos_session):
        text = text.replace(value, "<id>")
    for value in (ids.subject[1], ids.credential, ids.round, ids.player, ids.email, ids.webhook):
        text = text.replace(value, "<id>")
    text = re.sub(r'"request_id":"[^"]*"', '"request_id":"-"', text)
    return response.status_code, response.headers.get("content-type", ""), text


def snapshot(database_url: str, tenant: str) -> list[Any]:
    pk = query(database_url, "SELECT pk FROM tenants WHERE name = ?", tenant)[0][0]
    tables = [
        ("sessions", "id, status, expires_at, last_seq, closed_at"),
        ("subjects", "kind, external_id"),
        ("credentials", "id, revoked_at"),
        ("work_items", "id, status"),
        ("webhooks", "id, active, url"),
    ]
    out: list[Any] = []
    for table, columns in tables:
        sql = f"SELECT {columns} FROM {table} WHERE tenant_pk = ? ORDER BY 1"
        out.append(query(database_url, sql, pk))
    return out


def test_another_tenants_ids_answer_exactly_like_unknown_ids_on_every_route(
    two_tenants: tuple[Server, TenantWorld, TenantWorld], database_url: str
) -> None:
    server, victim, intruder = two_tenants
    theirs = populate(server.base, victim, "a")
    mine = populate(server.base, intruder, "b")
    nowhere = unknown_like(mine, intruder)
    before = snapshot(database_url, victim.name)
    checked = 0
    with httpx.Client(base_url=server.base, timeout=30) as http:
        # The matrix addresses real things: my own ids answer differently from unknown ones.
        for (method, path, kw), (_, own_path, own_kw) in zip(
            calls(nowhere, intruder, mine), calls(mine, intruder, mine), strict=True
        ):
            if method == "GET":
                own = normalise(http.request(method, own_path, **own_kw), mine)
                assert own != normalise(http.request(method, path, **kw), nowhere), own_path
        # Unknown ids first: a call on a real foreign id must not be what makes them differ.
        for (method, path, kw), (_, known_path, known_kw) in zip(
            calls(nowhere, intruder, mine), calls(theirs, intruder, mine), strict=True
        ):
            unknown = normalise(http.request(method, path, **kw), nowhere)
            foreign = normalise(http.request(method, known_path, **known_kw), theirs)
            assert foreign == unknown, f"{method} {known_path}: {foreign} != {unknown}"
            assert foreign[0] < 500, f"{method} {known_path}: {foreign}"
            checked += 1
    assert snapshot(database_url, victim.name) == before, "another tenant changed my data"
    record("isolation", backend=database_url.split(":")[0], routes=checked)


def test_a_database_dump_holds_no_credential_secret_in_clear(
    two_tenants: tuple[Server, TenantWorld, TenantWorld], database_url: str
) -> None:
    server, acme, globex = two_tenants
    hook_secrets = [populate(server.base, w, w.name).webhook_secret for w in (acme, globex)]
    dump = (
        asyncio.run(_dump(database_url)) if "postgresql" in database_url else _sqlite(database_url)
    )
    worlds = (acme, globex)
    leaked = [s for w in worlds for s in w.secrets() if s in dump]
    leaked += [s for s in hook_secrets if s in dump]
    assert not leaked, f"{len(leaked)} secrets stored in clear"
    hive_passwords = [pw for w in worlds for _, pw in w.accounts]
    assert not [pw for pw in hive_passwords if pw in dump], "a HiveMP password in clear"
    assert all(w.name in dump for w in worlds), "the dump is not of this database"
    record("secrets", backend=database_url.split(":")[0], secrets=len(worlds) * 6, leaked=0)


def _sqlite(database_url: str) -> str:
    with sqlite3.connect(database_url.removeprefix("sqlite:///")) as conn:
        return "\n".join(conn.iterdump())


async def _dump(database_url: str) -> str:
    import asyncpg

    conn = await asyncpg.connect(database_url)
    try:
        tables = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
        )
        parts: list[str] = []
        for row in tables:
            rows = await conn.fetch(f'SELECT * FROM "{row["tablename"]}"')
            parts.extend(repr(tuple(r)) for r in rows)
        return "\n".join(parts)
    finally:
        await conn.close()
