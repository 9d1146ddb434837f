"""The one wire format for an instant, wherever it is shown: /v1 bodies, the dialects that
use it, webhook bodies and the event stream (times inside record data included)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from .model import Micros

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def iso(us: Micros) -> str:
    """``YYYY-MM-DDTHH:MM:SS.sssZ``: UTC with milliseconds."""
    return (EPOCH + timedelta(microseconds=us)).isoformat(timespec="milliseconds")[:-6] + "Z"
