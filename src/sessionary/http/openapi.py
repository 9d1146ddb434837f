"""OpenAPI for /v1. Bodies are decoded strictly by msgspec inside the handlers (Litestar's own
decoding coerces types), so their schemas are attached here from each route's ``opt['body']``."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Litestar, Request, get
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, Reference, RequestBody, Server
from litestar.routes import HTTPRoute

from .. import __version__

_REF = "#/components/schemas/{name}"
# Every /v1 operation may answer these as problem+json (http/native/errors.py decides which).
_PROBLEMS = {
    "400": "Malformed request (bad JSON, bad parameter)",
    "401": "Missing or unknown credential",
    "403": "The credential lacks a scope",
    "404": "No such resource in the caller's tenant",
    "409": "Conflict with the resource's state (e.g. session not active)",
    "413": "Body too large",
    "415": "Unsupported media type",
    "422": "Invalid input",
    "429": "Rate limited",
    "503": "The database is unavailable; retry later",
}
_PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "request_id": {"type": ["string", "null"]},
    },
}


def openapi_config(public_url: str | None = None) -> OpenAPIConfig:
    """``public_url`` (SESSIONARY_PUBLIC_URL) is the one server listed; without it "/", which
    clients resolve against wherever they fetched the document from."""
    return OpenAPIConfig(
        servers=[Server(url=public_url or "/")],
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
    if schema.paths is None:
        return
    _attach_problems(schema)
    if not found:
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


def _attach_problems(schema: Any) -> None:
    """Document the problem+json answers of every /v1 operation, so clients (and schema-driven
    fuzzers) know each status code a call can return."""
    if schema.components.schemas is None:
        schema.components.schemas = {}
    schema.components.schemas.setdefault("Problem", _PROBLEM_SCHEMA)
    ref = Reference(ref=_REF.format(name="Problem"))
    for path, item in schema.paths.items():
        if not path.startswith("/v1"):
            continue
        for verb in ("get", "put", "post", "delete", "patch"):
            operation = getattr(item, verb, None)
            if operation is None:
                continue
            responses = operation.responses if operation.responses is not None else {}
            for status, description in _PROBLEMS.items():
                responses[status] = OpenAPIResponse(
                    description=description,
                    content={"application/problem+json": OpenAPIMediaType(schema=ref)},
                )
            operation.responses = responses


@get("/openapi.json", include_in_schema=False, media_type="application/json")
async def openapi_json(request: Request[Any, Any, Any]) -> dict[str, Any]:
    return request.app.openapi_schema.to_schema()
