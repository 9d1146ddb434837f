"""Bounded types for every dialect's wire models (msgspec ``Meta``), built from
``domain/limits.py`` so that no edge writes a bound of its own: a value out of range fails
decoding and becomes the dialect's invalid-input error. No Litestar here: the Python client
shares the wire models (query and path parameters: ``params.py``)."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta

from ..domain import limits
from ..domain.errors import InvalidInput

# Bodies.
Int64 = Annotated[int, Meta(ge=limits.INT64_MIN, le=limits.INT64_MAX)]
EventId = Annotated[int, Meta(ge=1, le=limits.INT64_MAX)]
Ordinal = Annotated[int, Meta(ge=0, le=limits.SEQ_MAX)]
TimeoutS = Annotated[int, Meta(gt=0, le=limits.MAX_TIMEOUT_S)]
RetentionDays = Annotated[int, Meta(gt=0, le=limits.MAX_RETENTION_DAYS)]
# Text stored in a column: at most the column's length.
SubjectKind = Annotated[str, Meta(min_length=1, max_length=limits.SUBJECT_KIND)]
SubjectId = Annotated[str, Meta(min_length=1, max_length=limits.SUBJECT_ID)]
ScopeText = Annotated[str, Meta(min_length=1, max_length=limits.SCOPE)]
AliasText = Annotated[str, Meta(max_length=limits.ALIAS)]
CredentialName = Annotated[str, Meta(min_length=1, max_length=limits.CREDENTIAL_NAME)]
EventType = Annotated[str, Meta(min_length=1, max_length=limits.EVENT_TYPE)]
DedupeKey = Annotated[str, Meta(min_length=1, max_length=limits.DEDUPE_KEY)]
WebhookUrl = Annotated[str, Meta(min_length=1, max_length=limits.WEBHOOK_URL)]


def event_id(raw: str, field: str) -> int:
    """A header or form value naming an event id: a decimal from 0 to int64's maximum."""
    try:
        value = int(raw.strip())
    except ValueError:
        raise InvalidInput(f"{field} must be an event id", field=field) from None
    if not 0 <= value <= limits.INT64_MAX:
        raise InvalidInput(f"{field} must be an event id", field=field)
    return value
