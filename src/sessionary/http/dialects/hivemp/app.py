"""The HiveMP router at ``hivemp_root``: the API under /v1, metadata and swagger beside it."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, Router, get

from ...deps import SERVICES
from . import routes
from .errors import render
from .swagger import swagger
from .translate import ok

__all__ = ["hivemp_router", "render"]


@get("/metadata.json")
async def metadata() -> Response[bytes]:
    return ok({"latestVersion": "v1", "allVersions": ["v1"]})


@get(["/v1/swagger.json", "/latest/swagger.json"])
async def swagger_json(request: Request[Any, Any, Any]) -> Response[bytes]:
    host = request.headers.get("host", "localhost")
    root = request.app.state.container.settings.hivemp_root
    return ok(swagger(host, root + "/v1"))


def hivemp_router(root: str) -> Router:
    return Router(
        root,
        route_handlers=[*routes.ROUTES, metadata, swagger_json],
        dependencies=SERVICES,
        include_in_schema=False,
    )
