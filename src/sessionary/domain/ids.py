"""Identifier formats. Whoever opens a session chooses its id shape; these are the native ones."""

from __future__ import annotations

import secrets
import time

_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"


def _base32(value: int, length: int) -> str:
    out = []
    for _ in range(length):
        out.append(_CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(out))


def sortable_id(prefix: str) -> str:
    """A ULID-shaped id: 48-bit millisecond time then 80 random bits, so ids sort by creation."""
    millis = int(time.time() * 1000) & ((1 << 48) - 1)
    rand = secrets.randbits(80)
    return f"{prefix}_{_base32(millis, 10)}{_base32(rand, 16)}"


def secret_token(prefix: str, nbytes: int = 24) -> str:
    """A high-entropy credential secret (192 bits by default)."""
    return f"{prefix}_{secrets.token_urlsafe(nbytes)}"
