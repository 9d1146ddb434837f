"""Opaque page cursors: clients pass them back unchanged; a forged one is a 400, not a crash."""

from __future__ import annotations

import base64
import binascii
import re

from ...domain.errors import InvalidInput

_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def encode(kind: str, position: int | str) -> str:
    raw = f"{kind}:{position}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(kind: str, cursor: str | None) -> int | None:
    if cursor is None or cursor == "":
        return None
    if not _SHAPE.match(cursor):  # b64decode would silently drop stray characters
        raise InvalidInput("the cursor is not valid", field="cursor")
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii")
        prefix, _, value = raw.partition(":")
        number = int(value)
    except (binascii.Error, UnicodeError, ValueError) as exc:
        raise InvalidInput("the cursor is not valid", field="cursor") from exc
    if prefix != kind or not 0 <= number < 2**63:
        raise InvalidInput("the cursor is not valid", field="cursor")
    return number
