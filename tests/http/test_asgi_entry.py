"""The granian entry point: one app per worker, its start-up heap frozen once it serves."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from sessionary.http.asgi import app_factory, freeze_startup_heap
from tests.support import sqlite_database


def test_a_served_worker_freezes_what_start_up_left_alive(
    monkeypatch: pytest.MonkeyPatch, sqlite_template_file: Path, tmp_path: Path
) -> None:
    monkeypatch.setenv("SESSIONARY_DATABASE_URL", sqlite_database(sqlite_template_file, tmp_path))
    app = app_factory()
    assert freeze_startup_heap in app.on_startup
    try:
        freeze_startup_heap()
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()  # this test process builds many more apps
