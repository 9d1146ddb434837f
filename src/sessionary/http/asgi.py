"""ASGI entry point for granian/uvicorn workers: settings from the environment."""

from __future__ import annotations

import gc

from litestar import Litestar

from ..bootstrap import build
from ..config import load_settings
from .app import create_app
from .supervision import stop_with_supervisor


def app_factory() -> Litestar:
    stop_with_supervisor()  # a granian worker process must not outlive its supervisor
    app = create_app(build(load_settings()))
    app.on_startup.append(freeze_startup_heap)
    return app


def freeze_startup_heap() -> None:
    """Move what start-up left alive (about 150,000 objects: modules, routes, compiled
    statements) out of the collector's reach. A full collection otherwise walks all of them,
    about 100 ms on these machines with the event loop stopped, several times a minute under
    load: that pause was the p99 (bench/PROFILE.md section 7). Done per worker, after start-up,
    and only in served processes: tests that build many apps in one process keep collecting."""
    gc.collect()
    gc.freeze()
