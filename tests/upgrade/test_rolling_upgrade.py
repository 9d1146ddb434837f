"""A rolling upgrade: the next release's compatible migration is applied while a server of
this code serves load through /v1 and every dialect; nothing fails and nothing is lost. Then a
restarted server accepts the schema ahead of it and says so, a contract migration makes it
refuse, and ``db downgrade`` brings the database back to this code's head."""

from __future__ import annotations

import asyncio
import importlib
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from sessionary.cli import app
from sessionary.storage.migrate import (
    current,
    downgrade,
    downgrade_plan,
    head,
    schema_verdict,
    upgrade,
)
from sessionary.storage.schema_compat import Verdict
from tests.fault.load import Driver, Ledger
from tests.fault.server import Server, free_port, provision, query
from tests.fault.test_crash import verify

NEXT = [Path(__file__).parent / "migrations"]  # the next release's migrations, test only
WORKERS = 4
LOAD_S = 1.0  # of load before and after the migration


class CountingTransport(httpx.AsyncHTTPTransport):
    """Every answer's status, whichever flow of the driver asked."""

    def __init__(self) -> None:
        super().__init__()
        self.statuses: Counter[int] = Counter()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        self.statuses[response.status_code] += 1
        return response


async def test_a_compatible_migration_applied_under_load_loses_nothing_and_fails_nothing(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ours = head()
    assert ours is not None
    world = await asyncio.to_thread(provision, database_url, "acme")
    server = Server(database_url)
    await asyncio.to_thread(server.start)
    ledger, transport = Ledger(), CountingTransport()
    driver = Driver(server.base, world, ledger, seed=21)
    load = asyncio.create_task(driver.run(WORKERS, transport))
    try:
        await asyncio.sleep(LOAD_S)
        before, started = sum(transport.statuses.values()), time.monotonic()
        await asyncio.to_thread(upgrade, database_url, "u01_expand", NEXT)
        took, during = time.monotonic() - started, sum(transport.statuses.values()) - before
        await asyncio.sleep(LOAD_S)
    finally:
        driver.stop.set()
        await load
        log = server.log.read_text(errors="replace")
        await asyncio.to_thread(server.stop)
    assert await asyncio.to_thread(current, database_url) == "u01_expand"
    failed = {s: n for s, n in transport.statuses.items() if s >= 500}
    assert not failed and ledger.transport_errors == 0, (failed, ledger.transport_errors)
    assert "Traceback" not in log and "ERROR" not in log, log[-3000:]
    assert during > 0, "no request was served while the migration ran"
    checked = await asyncio.to_thread(verify, database_url, ledger)
    assert checked > 0 and ledger.acknowledged() > 0
    print(
        f"\n{database_url.split(':')[0]}: migration {took:.2f} s under load, {during} answers"
        f" meanwhile, {ledger.acknowledged()} acknowledged, {checked} sessions checked"
    )
    await asyncio.to_thread(_restart_accepts_then_contract, database_url, world.native)
    await asyncio.to_thread(_serve_refuses, database_url, monkeypatch)
    await asyncio.to_thread(_downgrade_to, database_url, ours)


def _restart_accepts_then_contract(database_url: str, native_key: str) -> None:
    ours = head()
    assert ours is not None
    server = Server(database_url)
    server.start()
    try:
        ready = httpx.get(server.base + "/readyz", timeout=10).json()
        listed = httpx.get(
            server.base + "/v1/sessions", headers={"Authorization": f"Bearer {native_key}"}
        )
        log = server.log.read_text()
    finally:
        server.stop()
    note = f"schema u01_expand is ahead of this code's {ours}; compatible"
    assert (ready["status"], ready["schema"], ready["checks"]["schema"]) == ("ok", note, "ok")
    assert listed.status_code == 200
    assert note in log, "the start-up log does not say the schema is ahead"
    upgrade(database_url, "u02_contract", NEXT)


def _serve_refuses(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """In this process (a real one pays seconds of imports to say no): serve stops before
    granian would start."""
    monkeypatch.setenv("SESSIONARY_DATABASE_URL", database_url)
    serve_module = importlib.import_module("sessionary.cli.serve")
    monkeypatch.setattr(serve_module, "configure_logging", lambda *args: {})
    refused = CliRunner().invoke(app, ["serve", "--host", "127.0.0.1", "--port", str(free_port())])
    assert refused.exit_code == 1
    said = " ".join(refused.output.split())  # Rich wraps lines
    assert "its migration u02_contract is not compatible with older code" in said, said


def _downgrade_to(database_url: str, ours: str) -> None:
    plan = downgrade_plan(database_url, ours, NEXT)
    assert plan == ["u02_contract", "u01_expand"]
    downgrade(database_url, plan, NEXT)
    assert current(database_url) == ours
    assert schema_verdict(database_url) == Verdict(True)
    left = {row[0] for row in query(database_url, "SELECT revision FROM schema_compat")}
    assert ours in left and not left & {"u01_expand", "u02_contract"}
