"""The CLI with a PostgreSQL URL it cannot honour: refused before anything connects."""

from __future__ import annotations

import socket

import pytest
from typer.testing import CliRunner

from sessionary.cli import app


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("sslmode=require&keepalives=1", "unsupported option 'keepalives'"),
        ("sslmode=verify-full", "sslmode=verify-full needs sslrootcert=FILE"),
    ],
)
def test_a_command_refuses_the_url_naming_the_option_and_hiding_the_password(
    monkeypatch: pytest.MonkeyPatch, query: str, message: str
) -> None:
    url = f"postgresql://app:s3cret@127.0.0.1:1/x?{query}"
    monkeypatch.setenv("SESSIONARY_DATABASE_URL", url)
    result = CliRunner().invoke(app, ["db", "upgrade"])
    output = " ".join(result.output.split())
    assert result.exit_code == 2, output
    assert "SESSIONARY_DATABASE_URL" in output and message in output
    assert "s3cret" not in output and "app:***@" in output


def _nothing_listening() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("command", [["serve"], ["db", "current"]])
def test_an_unreachable_database_is_one_line_naming_it_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    url = f"postgresql://app:s3cret@127.0.0.1:{_nothing_listening()}/x?connect_timeout=2"
    monkeypatch.setenv("SESSIONARY_DATABASE_URL", url)
    result = CliRunner().invoke(app, command)
    output = " ".join(result.output.split())
    assert result.exit_code == 1, output
    assert "cannot read" in output and "Traceback" not in output
    assert "s3cret" not in output
