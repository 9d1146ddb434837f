"""``sessionary db downgrade`` against a real database, on both backends (in process)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from sessionary.cli import app
from sessionary.storage.migrate import current, head, lineage

runner = CliRunner()


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("SESSIONARY_DATABASE_URL", database_url)
    return database_url


def test_downgrade_undoes_the_last_migration_by_default(cli_env: str) -> None:
    result = runner.invoke(app, ["db", "downgrade", "--yes", "--json"])
    assert result.exit_code == 0, result.output
    before = lineage()[1]
    assert json.loads(result.stdout) == {"revision": before, "undone": [head()]}
    assert current(cli_env) == before
    again = runner.invoke(app, ["db", "upgrade", "--json"])
    assert json.loads(again.stdout) == {"revision": head()}


def test_downgrade_asks_first_and_a_no_changes_nothing(cli_env: str) -> None:
    result = runner.invoke(app, ["db", "downgrade", "-2"], input="n\n")
    assert result.exit_code == 1
    assert f"undo migration(s) {', '.join(lineage()[:2])}?" in result.output
    assert current(cli_env) == head()


def test_downgrade_below_the_base_is_refused_with_what_is_possible(cli_env: str) -> None:
    applied = len(lineage())
    result = runner.invoke(app, ["db", "downgrade", f"-{applied + 1}", "--yes"])
    assert result.exit_code == 1
    said = " ".join(result.output.split())
    assert f"cannot undo {applied + 1} migrations: only {applied} are applied" in said
    assert current(cli_env) == head()
    assert runner.invoke(app, ["db", "downgrade", "base", "--yes"]).exit_code == 0
    empty = runner.invoke(app, ["db", "downgrade", "--yes"])
    assert empty.exit_code == 1 and "nothing to downgrade" in empty.output


def test_downgrade_to_the_current_revision_says_there_is_nothing_to_undo(cli_env: str) -> None:
    result = runner.invoke(app, ["db", "downgrade", str(head()), "--yes"])
    assert result.exit_code == 1 and "there is nothing to undo" in result.output
