"""Compact JSON (no space after ':', spec §2.2), flat or wrapped in ``{"body": ...}`` (§9.1)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response


def reply(
    request: Request[Any, Any, Any],
    status: int,
    body: Any,
    headers: dict[str, str] | None = None,
) -> Response[bytes]:
    """``body=None`` is a server error: ``{"body":null}`` as the newer spec has it, or a
    description in the flat envelope."""
    wrapped = request.app.state.container.settings.rufus_envelope == "body"
    if body is None and not wrapped:
        body = {"description": "Internal server error"}
    payload = {"body": body} if wrapped else body
    return Response(
        content=msgspec.json.encode(payload),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )
