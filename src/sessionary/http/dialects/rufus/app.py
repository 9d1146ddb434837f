"""The RUFUS router: mounted at ``rufus_prefix`` (and at /v0 when ``rufus_at_root``)."""

from __future__ import annotations

from litestar import Router
from litestar.di import Provide

from ...deps import SERVICES
from . import devices, passings, sessions
from .auth import provide_rufus_principal
from .errors import render

__all__ = ["render", "rufus_router"]


def rufus_router(prefix: str) -> Router:
    return Router(
        prefix,
        route_handlers=[*devices.ROUTES, *sessions.ROUTES, *passings.ROUTES],
        dependencies={
            **SERVICES,
            "principal": Provide(provide_rufus_principal),
        },
        include_in_schema=False,
    )
