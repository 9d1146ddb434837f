"""OpenAPI for /v1. Bodies are decoded strictly by msgspec inside the handlers (Litestar's own
decoding coerces types), so their schemas are attached here from each route's ``opt['body']``."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Litestar, Request, get
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import OpenAPIMediaType, Reference, RequestBody
from litestar.routes import HTTPRoute

from .. import __version__

_REF = "#/components/schemas/{name}"


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="sessionary",
        version=__version__,
        description="Session lifecycle service: native API. Errors are RFC 9457 problem+json.",
        path="/docs",
        render_plugins=[SwaggerRenderPlugin(path="/"), JsonRenderPlugin(path="/openapi.json")],
    )


def attach_request_bodies(app: Litestar) -> None:
    """Add requestBody to each operation whose handler names a body model."""
    schema = app.openapi_schema
    found: list[tuple[Any, str, type[Any], bool]] = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            body = handler.opt.get("body")
            if body is None:
                continue
            for method in handler.http_methods:
                found.append(
                    (
                        route.path_format,
                        method.lower(),
                        body,
                        handler.opt.get("body_optional", False),
                    )
                )
    if not found or schema.paths is None:
        return
    _, components = msgspec.json.schema_components([b for *_, b, _ in found], ref_template=_REF)
    if schema.components.schemas is None:
        schema.components.schemas = {}
    for name, definition in components.items():
        schema.components.schemas.setdefault(name, definition)
    for path, verb, body, optional in found:
        item = schema.paths.get(path)
        operation = getattr(item, verb, None) if item is not None else None
        if operation is None:
            continue
        ref = Reference(ref=_REF.format(name=body.__name__))
        operation.request_body = RequestBody(
            content={"application/json": OpenAPIMediaType(schema=ref)}, required=not optional
        )


@get("/openapi.json", include_in_schema=False, media_type="application/json")
async def openapi_json(request: Request[Any, Any, Any]) -> dict[str, Any]:
    return request.app.openapi_schema.to_schema()
