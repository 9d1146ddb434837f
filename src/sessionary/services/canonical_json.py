"""One spelling per JSON document, for telling a retry from another request.

Two bodies are the same document when the API reads the same values from them: they are
decoded by the parser that decodes request bodies (msgspec), then written back with sorted
keys and no whitespace. So key order, whitespace, string escapes (``"\\u0041"`` is ``"A"``)
and spellings of one number (``1e2`` and ``100.0``) do not count; ``1`` and ``1.0`` do (an
integer field refuses ``1.0``), and a repeated key counts as its last value, as the API reads
it. A body the parser refuses has no canonical form: it is compared byte for byte."""

from __future__ import annotations

import msgspec

_ENCODER = msgspec.json.Encoder(order="sorted")


def canonical_json(body: bytes) -> bytes | None:
    """``body``'s canonical form, or None if it is not JSON the API would read."""
    try:
        return _ENCODER.encode(msgspec.json.decode(body))
    except (msgspec.MsgspecError, UnicodeDecodeError, RecursionError):
        return None
