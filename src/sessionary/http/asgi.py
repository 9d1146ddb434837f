"""ASGI entry point for granian/uvicorn workers: settings from the environment."""

from __future__ import annotations

from litestar import Litestar

from ..bootstrap import build
from ..config import load_settings
from .app import create_app


def app_factory() -> Litestar:
    return create_app(build(load_settings()))
