"""The CLI against a real database, on both backends (Typer's runner, in process)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from typer.testing import CliRunner

from sessionary.bootstrap import build
from sessionary.cli import app
from sessionary.config import Settings
from sessionary.services.sessions import OpenRequest
from sessionary.storage.migrate import head
from tests.conftest import TEST_ACTOR

runner = CliRunner()


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("SESSIONARY_DATABASE_URL", database_url)
    return database_url


def invoke_json(*args: str) -> Any:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_tenant_and_key_creation_print_the_documented_json(cli_env: str) -> None:
    tenant = invoke_json("tenants", "create", "acme")
    assert set(tenant) == {"id", "name"} and tenant["name"] == "acme"
    key = invoke_json(
        "keys", "create", "--tenant", "acme", "--scope", "sessions:read", "--scope", "admin"
    )
    assert key["scopes"] == ["sessions:read", "admin"]
    assert key["secret"].startswith("sk_") and len(key["secret"]) > 30
    listed = invoke_json("keys", "list", "--tenant", "acme")
    assert [k["id"] for k in listed] == [key["id"]]
    assert key["secret"] not in json.dumps(listed)


def test_an_unknown_scope_is_refused_with_a_clear_message(cli_env: str) -> None:
    invoke_json("tenants", "create", "acme")
    result = runner.invoke(app, ["keys", "create", "--tenant", "acme", "--scope", "root"])
    assert result.exit_code == 1
    assert "unknown scope" in result.output


def test_revoking_a_key_marks_it_revoked(cli_env: str) -> None:
    invoke_json("tenants", "create", "acme")
    key = invoke_json("keys", "create", "--tenant", "acme", "--scope", "admin")
    assert invoke_json("keys", "revoke", key["id"], "--tenant", "acme") == {
        "id": key["id"],
        "revoked": True,
    }
    [listed] = invoke_json("keys", "list", "--tenant", "acme")
    assert listed["revoked_at"] is not None


def test_db_current_reports_the_head_revision(cli_env: str) -> None:
    assert invoke_json("db", "current") == {"revision": head()}


def test_sessions_and_usage_commands_show_what_the_services_did(cli_env: str) -> None:

    invoke_json("tenants", "create", "acme")

    async def open_one() -> str:
        c = build(Settings(database_url=cli_env, sweep_interval_s=0))
        try:
            tenant = await c.tenants.find("acme")
            s = await c.sessions.open(tenant.pk, OpenRequest("user", "u1"), TEST_ACTOR)
            return s.id
        finally:
            await c.close()

    sid = asyncio.run(open_one())
    [row] = invoke_json("sessions", "list", "--tenant", "acme")
    assert row["id"] == sid and row["status"] == "active"
    closed = invoke_json("sessions", "close", sid, "--tenant", "acme")
    assert closed["status"] == "closed" and closed["close_reason"] == "admin"
    again = runner.invoke(app, ["sessions", "close", sid, "--tenant", "acme"])
    assert again.exit_code == 1 and "closed" in again.output
    usage = invoke_json("usage", "report", "--tenant", "acme")
    # the report bills what the close billed (0 within its first second, 1 after it:
    # a loaded machine may take more than a second between these commands)
    assert usage["totals"]["ended"] == 1
    assert usage["totals"]["billed_minutes"] == closed["billed_minutes"] <= 1
    csv_out = runner.invoke(app, ["usage", "report", "--tenant", "acme", "--format", "csv"])
    assert csv_out.stdout.splitlines()[0] == "date,opened,ended,billed_minutes"
    deleted = invoke_json("sessions", "delete", sid, "--tenant", "acme")
    assert deleted["status"] == "deleted"
    gone = runner.invoke(app, ["sessions", "show", sid, "--tenant", "acme"])
    assert gone.exit_code == 1 and "no such session" in gone.output


def test_sweep_reports_its_counts(cli_env: str) -> None:
    assert invoke_json("sweep") == {
        "expired": 0,
        "purged_by_retention": 0,
        "idempotency_keys_purged": 0,
        "credentials_purged": 0,
    }


def test_a_bad_database_url_stops_with_a_message_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SESSIONARY_DATABASE_URL", "mysql://nope")
    result = runner.invoke(app, ["tenants", "list"])
    assert result.exit_code == 2
    assert "SESSIONARY_DATABASE_URL" in result.output
