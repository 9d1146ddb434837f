"""Reading casino request bodies: JSON objects with loosely typed fields (spec §2.1)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request

from ....dialects.casino.partners import MAX_PARTNER_ID, Partner
from ....domain import limits
from ....domain.model import Actor
from ...deps import actor_of

BAD = -1
# A player is stored as the subject "<secureLogin>/<userId>", so a userId may have what the
# longest Partner ID leaves of the column (the vendor documents no length of its own).
MAX_USER_ID = limits.SUBJECT_ID - MAX_PARTNER_ID - 1


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


def user_id(body: dict[str, Any], *names: str) -> str | None:
    """The player named by the first of ``names``; None when absent or longer than any
    player's id can be, which every caller answers as a missing or incorrect parameter."""
    value = text(body, *names)
    return value if value is None or len(value) <= MAX_USER_ID else None


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
