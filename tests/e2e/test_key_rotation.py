"""The whole sealing-key rotation against real servers (SQLite, real HTTP): old key only ->
"new,old" (everything still opens, new seals use the new key) -> ``secrets reseal`` while
serving, twice -> "new" only: signed casino closes, webhook signatures and stored idempotent
responses still work."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from sessionary.bootstrap import build
from sessionary.cli import app
from sessionary.config import Settings
from sessionary.dialects.casino.partners import add_game, create_partner
from sessionary.domain.model import TenantPolicy
from sessionary.services import webhook_signing
from sessionary.services.sealing import Sealer
from tests.conftest import TEST_ACTOR, key_headers
from tests.dialects.casino.helpers import G0, PUMPKIN, S100, SECRET, SUCCESS, TOK, close_body
from tests.support import sqlite_database
from tests.webhooks.receiver import Receiver

from .hygiene import serving, wait_for

OLD = "rotation-old-key-0123456789abcdef0123456789"
NEW = "rotation-new-key-abcdef0123456789abcdef0123"
SERVER_ENV = {
    "SESSIONARY_WEBHOOK_INTERVAL_S": "0.2",
    "SESSIONARY_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",  # the test's receivers
}
PLACES = ("webhooks.secret_sealed", "credentials.attributes.secret_sealed", "idempotency.body")
# No webhook here is rotated: tests/integration/test_reseal.py reseals previous secrets.
NO_ROTATED_WEBHOOK = {"webhooks.previous_secret_sealed": (0, 0, 0, 0)}
Headers = dict[str, str]


@pytest.fixture
def sqlite_url(sqlite_template_file: Path, tmp_path: Path) -> str:
    return sqlite_database(sqlite_template_file, tmp_path)


@pytest.fixture
def receivers() -> Iterator[tuple[Receiver, Receiver]]:
    pair = (Receiver().start(), Receiver().start())
    yield pair
    for r in pair:
        r.stop()


def test_rotating_the_sealing_key_keeps_casino_signatures_webhooks_and_replays_working(
    sqlite_url: str, receivers: tuple[Receiver, Receiver]
) -> None:
    admin = asyncio.run(_provision(sqlite_url))
    first, second = receivers
    with _serving(sqlite_url, OLD) as base:
        first_secret = _subscribe(base, admin, first.url)
        replayed = _open_once(base, admin, "k-1")
        _casino_round(base, "p1")
        wait_for(lambda: len(first.accepted()) >= 2, what="deliveries under the old key")

    with _serving(sqlite_url, f"{NEW},{OLD}") as base:
        assert _open_once(base, admin, "k-1") == replayed  # sealed under the old key
        _casino_round(base, "p2")
        second_secret = _subscribe(base, admin, second.url)
        _open_once(base, admin, "k-2")
        sealed = asyncio.run(_webhook_seals(sqlite_url))
        assert [Sealer(NEW).is_newest(s.encode()) for s in sealed] == [False, True]
        report = _reseal(sqlite_url, f"{NEW},{OLD}")  # while the server serves
        assert report == {
            PLACES[0]: (2, 1, 1, 0),
            PLACES[1]: (1, 1, 0, 0),
            PLACES[2]: (2, 1, 1, 0),
        } | NO_ROTATED_WEBHOOK
        assert _reseal(sqlite_url, f"{NEW},{OLD}") == {
            PLACES[0]: (2, 0, 2, 0),
            PLACES[1]: (1, 0, 1, 0),
            PLACES[2]: (2, 0, 2, 0),
        } | NO_ROTATED_WEBHOOK

    delivered = len(first.accepted()), len(second.accepted())
    with _serving(sqlite_url, NEW) as base:
        assert _open_once(base, admin, "k-1") == replayed
        _casino_round(base, "p3")
        wait_for(
            lambda: (
                len(first.accepted()) >= delivered[0] + 2
                and len(second.accepted()) >= delivered[1] + 2
            ),
            what="deliveries under the new key alone",
        )
    _all_signed(first, first_secret)
    _all_signed(second, second_secret)


@contextmanager
def _serving(url: str, keys: str) -> Iterator[str]:
    """A server with these sealing keys, delivering webhooks to the test's receivers."""
    env = {**SERVER_ENV, "SESSIONARY_SECRET_KEY": keys}
    with serving(url, 1, **env) as (base, _):
        yield base


async def _provision(url: str) -> Headers:
    """Tenant acme with an admin key, casino partner S100 and its game, sealed under OLD."""
    c = build(Settings(database_url=url, environment="test", secret_key=SecretStr(OLD)))
    try:
        tenant = await c.tenants.create("acme", TenantPolicy(), TEST_ACTOR)
        await create_partner(c, "acme", TEST_ACTOR, S100, TOK, SECRET)
        await add_game(c, "acme", PUMPKIN, "Pumpkin Farm", TEST_ACTOR)
        return await key_headers(c, tenant.pk)
    finally:
        await c.close()


async def _webhook_seals(url: str) -> list[str]:
    c = build(Settings(database_url=url, environment="test", secret_key=SecretStr(NEW)))
    try:
        hooks = await c.webhooks.list((await c.tenants.find("acme")).pk)
        return [h.secret_sealed for h in sorted(hooks, key=lambda h: h.pk)]
    finally:
        await c.close()


def _subscribe(base: str, admin: Headers, url: str) -> str:
    r = httpx.post(f"{base}/v1/webhooks", json={"url": url}, headers=admin, timeout=30)
    assert r.status_code == 201, r.text
    return str(r.json()["secret"])


def _open_once(base: str, admin: Headers, key: str) -> Any:
    body = {"subject": {"kind": "user", "id": f"u-{key}"}}
    headers = {**admin, "Idempotency-Key": key}
    r = httpx.post(f"{base}/v1/sessions", json=body, headers=headers, timeout=30)
    assert r.status_code == 201, r.text
    return r.json()


def _casino_round(base: str, user: str) -> None:
    """A Gen B StartGame for ``user``, then the signed Gen A close: accepted; the same close
    signed with another secret: refused (G.0)."""
    start = {"secureLogin": S100, "token": TOK, "uuid": f"u-{user}", "userId": user}
    start.update(gameId=PUMPKIN, sessionId=f"op-{user}", language="en", currency="USD")
    r = httpx.post(f"{base}/casino/v4/StartGame", json=start, timeout=30)
    assert r.status_code == 200 and r.json()["error"] == 0, r.text
    close = f"{base}/casino/V4/closesession?MEMB_ID={S100}&HASH={TOK}"
    forged = close_body(userId=user) | {"hash": close_body(userId=user)["hash"][::-1]}
    r = httpx.post(close, content=json.dumps(forged), headers=_JSON, timeout=30)
    assert (r.status_code, r.text) == (401, G0)
    r = httpx.post(close, content=json.dumps(close_body(userId=user)), headers=_JSON, timeout=30)
    assert (r.status_code, r.text) == (200, SUCCESS)


_JSON = {"Content-Type": "application/json"}


def _reseal(url: str, keys: str) -> dict[str, tuple[int, int, int, int]]:
    """The CLI in this process (a process of its own would only add its start-up time)."""
    env = {"SESSIONARY_DATABASE_URL": url, "SESSIONARY_SECRET_KEY": keys}
    done = CliRunner().invoke(app, ["secrets", "reseal", "--json"], env=env)
    assert done.exit_code == 0, done.output
    places = json.loads(done.stdout)["places"]
    return {
        p["place"]: (p["scanned"], p["resealed"], p["already_current"], p["unopenable"])
        for p in places
    }


def _all_signed(receiver: Receiver, secret: str) -> None:
    now = int(time.time())
    for post in receiver.accepted():
        header = post.headers["Sessionary-Signature"]
        assert webhook_signing.verify(secret, header, post.body, now)
