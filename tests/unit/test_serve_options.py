"""``sessionary serve`` hands the operator's settings to granian: workers, address and the
event loop (``SESSIONARY_EVENT_LOOP``); a loop granian does not know stops it at start."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sessionary.cli import app
from sessionary.storage.migrate import upgrade


class FakeGranian:
    made: list[dict[str, Any]] = []

    def __init__(self, target: str, **options: Any) -> None:
        self.made.append({"target": target, **options})

    def serve(self) -> None:
        return None


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    upgrade(url)
    monkeypatch.setenv("SESSIONARY_DATABASE_URL", url)
    monkeypatch.setattr("granian.Granian", FakeGranian)
    # serve configures this process's logging and exports its address for the workers: keep
    # both from reaching the tests that run after this one
    serve_module = importlib.import_module(
        "sessionary.cli.serve"
    )  # the package's name is the command
    monkeypatch.setattr(serve_module, "configure_logging", lambda *args: {})
    for name in ("HOST", "PORT", "WORKERS"):
        monkeypatch.setenv(f"SESSIONARY_{name}", "")
        monkeypatch.delenv(f"SESSIONARY_{name}")
    FakeGranian.made = []
    return FakeGranian.made


def test_serve_passes_the_chosen_event_loop_and_workers_to_granian(
    served: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SESSIONARY_EVENT_LOOP", "asyncio")
    result = CliRunner().invoke(app, ["serve", "--port", "8123", "--workers", "1"])
    assert result.exit_code == 0, result.output
    [options] = served
    assert (options["loop"], options["workers"], options["port"]) == ("asyncio", 1, 8123)
    assert options["target"] == "sessionary.http.asgi:app_factory"


def test_serve_lets_granian_pick_the_loop_by_default(served: list[dict[str, Any]]) -> None:
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 0, result.output
    assert served[0]["loop"] == "auto"


def test_an_unknown_event_loop_stops_serve_before_granian_starts(
    served: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SESSIONARY_EVENT_LOOP", "tokio")
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code != 0
    assert "EVENT_LOOP" in result.output and served == []


def test_serve_bounds_a_stop_and_never_respawns_a_dead_worker_in_place(
    served: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SESSIONARY_STOP_TIMEOUT_S", "7")
    monkeypatch.setattr("sessionary.http.draining._shared", {})  # serve shares the drain phase
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 0, result.output
    [options] = served
    assert (options["workers_kill_timeout"], options["respawn_failed_workers"]) == (7, False)
    assert "drain_s" not in options  # ours, kept from granian
