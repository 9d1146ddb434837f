"""``sessionary --server URL --key KEY sessions ...`` and the example script, against a server."""

from __future__ import annotations

import json
import os
import pydoc
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sessionary import client as client_module
from sessionary.cli import app
from sessionary.client import AsyncClient, Client

from .conftest import TenantKey
from .server import Server

runner = CliRunner()
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "quickstart.py"


def _cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.output


def test_sessions_commands_run_through_the_server(
    server: Server, tenant_key: TenantKey, sync_client: Client
) -> None:
    opened = sync_client.open_session("user", "u-1")
    base = ["--server", server.url, "--key", tenant_key.key, "sessions"]
    code, out = _cli(*base, "list", "--json")
    assert code == 0, out
    assert [s["id"] for s in json.loads(out)] == [opened.id]
    code, out = _cli(*base, "show", opened.id, "--json")
    assert code == 0 and json.loads(out)["status"] == "active"
    code, out = _cli(*base, "close", opened.id, "--json")
    assert code == 0 and json.loads(out)["close_reason"] == "admin"
    code, out = _cli(*base, "list", "--status", "closed")
    assert code == 0 and "closed" in out and "user/u-1" in out
    code, out = _cli(*base, "delete", opened.id, "--json")
    assert code == 0 and json.loads(out)["status"] == "deleted"
    code, out = _cli(*base, "show", opened.id)
    assert code == 1 and "session-not-found" in out


def test_the_server_and_key_come_from_the_environment(
    server: Server, tenant_key: TenantKey, sync_client: Client
) -> None:
    opened = sync_client.open_session("user", "u-1")
    env = {"SESSIONARY_SERVER": server.url, "SESSIONARY_KEY": tenant_key.key}
    code, out = _cli("sessions", "show", opened.id, "--json", env=env)
    assert code == 0 and json.loads(out)["id"] == opened.id


def test_a_server_without_a_key_or_with_a_tenant_is_refused(server: Server) -> None:
    code, out = _cli("--server", server.url, "sessions", "list")
    assert code == 2 and "--key" in out
    code, out = _cli("--server", server.url, "--key", "k", "sessions", "list", "--tenant", "t")
    assert code == 2 and "--tenant is not used" in out
    code, out = _cli("sessions", "list")
    assert code == 2 and "--tenant is required" in out


def test_the_quickstart_example_runs_against_the_server(
    server: Server, tenant_key: TenantKey, sync_client: Client
) -> None:
    env = {**os.environ, "SESSIONARY_SERVER": server.url, "SESSIONARY_KEY": tenant_key.key}
    done = subprocess.run(
        [sys.executable, str(EXAMPLE)], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "appended 2 events, duplicates: ['view-1']" in done.stdout
    assert "a second close is refused: session-not-active" in done.stdout
    [session] = list(sync_client.iter_sessions())
    assert (session.status, session.event_count, session.scope) == ("closed", 2, "quickstart")


@pytest.mark.parametrize("subject", [client_module, Client, AsyncClient])
def test_the_documentation_renders_in_help(subject: object) -> None:
    text = pydoc.plain(pydoc.render_doc(subject))
    assert "open_session" in text and "Idempotency-Key" in text
