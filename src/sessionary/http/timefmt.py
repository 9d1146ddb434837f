"""Wire time formats shared by the native API and the dialects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ..domain.model import Micros

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def iso(us: Micros) -> str:
    """``YYYY-MM-DDTHH:MM:SS.sssZ``: UTC with milliseconds."""
    return (_EPOCH + timedelta(microseconds=us)).isoformat(timespec="milliseconds")[:-6] + "Z"


def iso_or_none(us: Micros | None) -> str | None:
    return None if us is None else iso(us)


def to_micros(value: datetime) -> Micros:
    """Naive datetimes are taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return (value - _EPOCH) // timedelta(microseconds=1)


def parse_rfc3339(text: str) -> Micros | None:
    """An RFC 3339 date-time (``Z`` or an offset; naive means UTC), or None if it is not one."""
    if not 10 <= len(text) <= 40 or "T" not in text.upper():
        return None
    try:
        return to_micros(datetime.fromisoformat(text))
    except ValueError:
        return None
