"""The body ``hash`` (spec §3): md5 over the sorted ``key=value&...`` string plus the partner's
secret key; ``hash`` itself and null or empty values are left out; compared case-insensitively
in constant time."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import msgspec


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return msgspec.json.encode(value).decode()


def signing_string(params: dict[str, Any]) -> str:
    kept = {k: v for k, v in params.items() if k != "hash" and v is not None and v != ""}
    return "&".join(f"{key}={_text(kept[key])}" for key in sorted(kept))


def sign(params: dict[str, Any], secret: str) -> str:
    data = (signing_string(params) + secret).encode("utf-8")
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def verify(params: dict[str, Any], secret: str, given: str) -> bool:
    return hmac.compare_digest(sign(params, secret).encode(), given.lower().encode())
