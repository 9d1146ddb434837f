"""Reading casino request bodies: JSON objects with loosely typed fields (spec §2.1)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request

from ....domain.model import Actor
from ...deps import actor_of
from .partners import Partner

BAD = -1


async def body_of(request: Request[Any, Any, Any]) -> dict[str, Any] | None:
    """The JSON object sent, or None when the body is not one."""
    try:
        body = msgspec.json.decode(await request.body())
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return None
    return body if isinstance(body, dict) else None


def text(body: dict[str, Any], *names: str) -> str | None:
    """The first of ``names`` holding a non-empty string."""
    for name in names:
        value = body.get(name)
        if isinstance(value, str) and value:
            return value
    return None


def clear_history(body: dict[str, Any]) -> int:
    """``"0"``/``"1"``/0/1, absent means 0; anything else is BAD."""
    value = body.get("clearHistory")
    if value is None:
        return 0
    if type(value) is int and value in (0, 1):  # not bool, not 1.0
        return value
    if isinstance(value, str) and value in ("0", "1"):
        return int(value)
    return BAD


def actor(request: Request[Any, Any, Any], partner: Partner) -> Actor:
    return actor_of(request, partner.principal, "casino")
