"""CLI options past their range or their column's length are refused with a clear message and
a non-zero exit on both backends, never a traceback (SQLite's OverflowError) or "database
unavailable" (PostgreSQL), and store nothing."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from sessionary.cli import app
from sessionary.domain import limits

from .test_cli import cli_env, invoke_json  # noqa: F401 - the fixture, for pytest

runner = CliRunner()
LONG_NAME = "n" * (limits.CREDENTIAL_NAME + 1)
REFUSED: list[tuple[str, list[str]]] = [
    ("idle-timeout", ["tenants", "create", "t2", "--idle-timeout-s", str(10**30)]),
    ("lifetime", ["tenants", "create", "t2", "--max-lifetime-s", str(limits.MAX_TIMEOUT_S + 1)]),
    ("key-name", ["keys", "create", "--tenant", "acme", "--scope", "admin", "--name", LONG_NAME]),
    (
        "rufus-alias",
        ["rufus", "keys", "create", "--tenant", "acme", "--access", "READ", "--alias", LONG_NAME],
    ),
    ("replay-from", ["webhooks", "replay", "{hook}", "--tenant", "acme", "--from", str(2**63)]),
]


@pytest.mark.parametrize("args", [pytest.param(a, id=n) for n, a in REFUSED])
def test_an_option_out_of_its_bounds_is_refused_cleanly_and_stores_nothing(
    cli_env: str,  # noqa: F811
    args: list[str],
) -> None:
    invoke_json("tenants", "create", "acme")
    hook = invoke_json(
        "webhooks", "create", "--tenant", "acme", "--url", "https://hooks.example/in"
    )
    keys_before = invoke_json("keys", "list", "--tenant", "acme")
    result = runner.invoke(app, [a.format(hook=hook["id"]) for a in args])
    assert result.exit_code in (1, 2), result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "unavailable" not in result.output
    assert [t["name"] for t in invoke_json("tenants", "list")] == ["acme"]
    assert invoke_json("keys", "list", "--tenant", "acme") == keys_before
