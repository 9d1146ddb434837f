"""What a request says about its body before it is read."""

from __future__ import annotations

from typing import Any

from litestar import Request


def declared_length(request: Request[Any, Any, Any]) -> int:
    """The Content-Length header's value; 0 when it is absent or not a number (chunked)."""
    try:
        return max(0, int(request.headers.get("content-length") or 0))
    except ValueError:
        return 0
