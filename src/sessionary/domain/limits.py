"""How big a value from outside may be: text column lengths and integer ranges, declared once.

``storage/tables.py`` sizes its columns with these, and every edge (wire models, query
parameters, headers, CLI options, console forms) checks input against them before it reaches a
driver. SQLite stores text of any length and refuses only integers past 64 bits, with an
OverflowError; PostgreSQL refuses both with an error that looks like an outage. Checked here,
both backends give the caller the same answer: its dialect's invalid-input error."""

from __future__ import annotations

from .errors import InvalidInput

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
INT32_MAX = 2**31 - 1  # PostgreSQL INTEGER columns (timeouts, retention days)
# Sequence numbers and client ordinals: half of int64, so ``n + 1`` and page arithmetic on
# them never overflow.
SEQ_MAX = 2**62
# Timeouts become ``now + seconds * 1_000_000`` microseconds; ten years keeps that far inside
# int64 and the seconds inside an INTEGER column.
MAX_TIMEOUT_S = 10 * 365 * 86_400
MAX_RETENTION_DAYS = 36_500

# Text columns, in characters.
TENANT_NAME = 200
SUBJECT_KIND = 64
SUBJECT_ID = 200
SESSION_ID = 80
SCOPE = 200
ALIAS = 200
OWNER = 200
CREDENTIAL_NAME = 200
EVENT_TYPE = 100
DEDUPE_KEY = 200
WEBHOOK_URL = 2000
WEBHOOK_SECRET_OVERLAP_S = 30 * 86_400  # how long a rotated-out webhook secret may still sign
AUDIT_TARGET = 200
REQUEST_ID = 64


def check_text(value: str | None, field: str, limit: int) -> None:
    """``value`` fits a column of ``limit`` characters (None always does)."""
    if value is not None and len(value) > limit:
        raise InvalidInput(f"{field} is limited to {limit} characters", field=field, limit=limit)


def check_int(value: int | None, field: str, low: int, high: int) -> None:
    """``value`` is within ``low..high`` inclusive (None always is)."""
    if value is not None and not low <= value <= high:
        raise InvalidInput(f"{field} must be from {low} to {high}", field=field)


def check_timeout(value: int | None, field: str) -> None:
    """Seconds of an idle timeout, lifetime or extension: 1 to ten years."""
    check_int(value, field, 1, MAX_TIMEOUT_S)
