"""The HiveMP router at ``hivemp_root``: the API under /v1, metadata and swagger beside it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from litestar import Request, Response, Router, get

from ...deps import SERVICES
from ...proxy import base_url
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
    public = urlsplit(base_url(request))  # behind a proxy, the host clients use
    root = request.app.state.container.settings.hivemp_root
    return ok(swagger(public.netloc or "localhost", public.path + root + "/v1"))


def hivemp_router(root: str) -> Router:
    return Router(
        root,
        route_handlers=[*routes.ROUTES, metadata, swagger_json],
        dependencies=SERVICES,
        include_in_schema=False,
    )
