"""One spelling per JSON document, for telling a retry from another request.

Two bodies are the same document when they parse to the same values: key order and
whitespace do not count, nor how a string is escaped (``"\\u0041"`` is ``"A"``). Numbers are
kept as written (``1``, ``1.0`` and ``1e0`` stay apart: a reader may treat them apart), and a
body that is not strict JSON, or names a key twice (readers disagree on which one wins), has
no canonical form: it is compared byte for byte."""

from __future__ import annotations

import json
from typing import Any


class _Number(str):
    """A number's literal, written back as it was sent."""


class _NotCanonical(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        raise _NotCanonical("a key appears twice")
    return document


def _refuse(literal: str) -> Any:
    raise _NotCanonical(f"{literal} is not JSON")


_DECODER = json.JSONDecoder(
    object_pairs_hook=_no_duplicates,
    parse_float=_Number,
    parse_int=_Number,
    parse_constant=_refuse,
)


def _write(value: Any) -> str:
    if isinstance(value, _Number):
        return str.__str__(value)
    if isinstance(value, dict):
        items = sorted(value.items())
        return "{" + ",".join(_string(k) + ":" + _write(v) for k, v in items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_write(item) for item in value) + "]"
    return _string(value) if isinstance(value, str) else json.dumps(value)


def _string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def canonical_json(body: bytes) -> bytes | None:
    """``body``'s canonical form (sorted keys, no whitespace), or None if it is not JSON."""
    try:
        text = body.decode("utf-8")
        return _write(_DECODER.decode(text)).encode("utf-8", "surrogatepass")
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
