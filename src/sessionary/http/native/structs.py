"""Request and response models of /v1 (msgspec: validation and serialisation in one pass).

Request models forbid unknown fields, so a typo is an error rather than a silent default."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from msgspec import Meta, Struct

from .. import bounds

Kind = Annotated[bounds.SubjectKind, Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")]
ExternalId = bounds.SubjectId
Seconds = bounds.TimeoutS
EventType = bounds.EventType
DedupeKey = bounds.DedupeKey
Scope = Annotated[str, Meta(min_length=1, max_length=64)]  # a credential scope's name


class In(Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of request bodies."""


class SubjectRef(In):
    kind: Kind
    id: ExternalId


class OpenSessionIn(In):
    subject: SubjectRef
    scope: bounds.ScopeText | None = None
    alias: Annotated[bounds.AliasText, Meta(min_length=1)] | None = None
    idle_timeout_s: Seconds | None = None
    max_lifetime_s: Seconds | None = None
    metered: bool = True
    state: dict[str, Any] = msgspec.field(default_factory=dict)
    supersede: bool = False


class ExtendIn(In):
    ttl_s: Seconds | None = None


class CloseIn(In):
    reason: Annotated[str, Meta(pattern=r"^(client|admin)$")] = "client"


class CloseSubjectIn(In):
    scope: bounds.ScopeText | None = None


class EventIn(In):
    type: EventType
    payload: dict[str, Any] = msgspec.field(default_factory=dict)
    dedupe_key: DedupeKey | None = None
    occurred_at: datetime | None = None


class AppendEventsIn(In):
    events: Annotated[list[EventIn], Meta(min_length=1)]


class RateLimitIn(In):
    """A token bucket per credential: ``burst`` calls at once, refilled at ``per_s`` a second;
    ``per_s`` 0 means unlimited."""

    per_s: Annotated[float, Meta(ge=0, le=1_000_000)]
    burst: Annotated[int, Meta(ge=1, le=1_000_000)]


class TenantIn(In):
    name: Annotated[str, Meta(min_length=1, max_length=100)]
    idle_timeout_s: Seconds | None = None
    max_lifetime_s: Seconds | None = None
    retention_days: bounds.RetentionDays | None = None
    allow_extend: bool = True
    rate_limit: RateLimitIn | None = None


class TenantPolicyIn(In):
    idle_timeout_s: Seconds | None = None
    max_lifetime_s: Seconds | None = None
    retention_days: bounds.RetentionDays | None = None
    allow_extend: bool = True
    # Operator only. Absent: unchanged; null: back to the global default.
    rate_limit: RateLimitIn | msgspec.UnsetType | None = msgspec.UNSET


class CredentialIn(In):
    scopes: Annotated[list[Scope], Meta(min_length=1, max_length=10)]
    name: bounds.CredentialName | None = None
    expires_at: datetime | None = None


class SubjectAttributesIn(In):
    attributes: dict[str, Any]


# -- responses ------------------------------------------------------------------------------


class SubjectOut(Struct):
    kind: str
    id: str


class SessionOut(Struct):
    id: str
    status: str
    subject: SubjectOut
    scope: str | None
    alias: str | None
    opened_at: str
    last_activity_at: str
    expires_at: str | None
    closed_at: str | None
    close_reason: str | None
    billed_minutes: int
    metered: bool
    idle_timeout_s: int | None
    max_lifetime_s: int | None
    state: dict[str, Any]
    event_count: int
    version: int
    dialect: str


class SessionPage(Struct):
    items: list[SessionOut]
    next_cursor: str | None


class ClosedSessions(Struct):
    closed: list[SessionOut]


class AppendOut(Struct):
    accepted: int
    duplicates: list[str]
    first_seq: int | None
    last_seq: int


class EventOut(Struct):
    seq: int
    type: str
    occurred_at: str
    recorded_at: str
    dedupe_key: str | None
    payload: dict[str, Any]


class EventPageOut(Struct):
    items: list[EventOut]
    next_cursor: str | None


class UsageDayOut(Struct):
    date: str
    opened: int
    ended: int
    billed_minutes: int


class UsageOut(Struct):
    tenant: str
    date_from: str
    date_to: str
    subject_kind: str | None
    days: list[UsageDayOut]
    totals: UsageDayOut


class UsageRecordOut(Struct):
    """One ended session's bill (``GET /v1/usage/records``)."""

    session_id: str
    subject_kind: str
    subject_id: str
    scope: str | None
    dialect: str
    status: str
    close_reason: str | None
    metered: bool
    opened_at: str
    ended_at: str
    billing_day: str
    active_seconds: int
    billed_minutes: int


class UsageRecordPage(Struct):
    tenant: str
    date_from: str
    date_to: str
    subject_kind: str | None
    items: list[UsageRecordOut]
    next_cursor: str | None


class RateLimitOut(Struct):
    per_s: float
    burst: int
    source: str  # "tenant" (its override) or "default" (SESSIONARY_RATE_LIMIT_*)


class TenantOut(Struct):
    id: str
    name: str
    idle_timeout_s: int | None
    max_lifetime_s: int | None
    retention_days: int | None
    allow_extend: bool
    created_at: str
    rate_limit: RateLimitOut | None = None


class CredentialOut(Struct):
    id: str
    name: str | None
    prefix: str
    scopes: list[str]
    kind: str
    created_at: str
    expires_at: str | None
    revoked_at: str | None
    last_used_at: str | None


class IssuedCredentialOut(Struct):
    id: str
    secret: str
    scopes: list[str]
    tenant: str | None
    name: str | None
    expires_at: str | None


class SubjectDetailOut(Struct):
    kind: str
    id: str
    attributes: dict[str, Any]
    created_at: str


class SubjectPage(Struct):
    items: list[SubjectDetailOut]
    next_cursor: str | None


class AuditEntryOut(Struct):
    id: int
    at: str
    action: str
    target: str
    actor: str
    credential_id: str | None
    request_id: str | None
    detail: dict[str, Any]


class AuditPage(Struct):
    items: list[AuditEntryOut]
    next_cursor: str | None
