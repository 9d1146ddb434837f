"""Translate core objects into /v1 response models."""

from __future__ import annotations

from ...domain.model import Credential, Event, Micros, Subject, Tenant
from ...domain.session import Session
from ...services.usage import UsageReport, day_date
from ..timefmt import iso, iso_or_none, to_micros
from .structs import (
    CredentialOut,
    EventOut,
    SessionOut,
    SubjectDetailOut,
    SubjectOut,
    TenantOut,
    UsageDayOut,
    UsageOut,
)

__all__ = ["credential_out", "event_out", "iso", "iso_or_none", "session_out", "to_micros"]


def session_out(s: Session, now: Micros) -> SessionOut:
    reason = s.effective_close_reason(now)
    return SessionOut(
        id=s.id,
        status=s.effective_status(now).value,
        subject=SubjectOut(kind=s.subject_kind, id=s.subject_id),
        scope=s.scope,
        alias=s.alias,
        opened_at=iso(s.opened_at),
        last_activity_at=iso(s.last_activity_at),
        expires_at=iso_or_none(s.expires_at),
        closed_at=iso_or_none(s.ended_at(now)),
        close_reason=None if reason is None else reason.value,
        billed_minutes=s.billed_minutes(now),
        metered=s.metered,
        idle_timeout_s=s.idle_timeout_s,
        max_lifetime_s=s.max_lifetime_s,
        state=s.state,
        event_count=s.last_seq,
        version=s.version,
        dialect=s.dialect,
    )


def event_out(e: Event) -> EventOut:
    return EventOut(
        seq=e.seq,
        type=e.type,
        occurred_at=iso(e.occurred_at),
        recorded_at=iso(e.recorded_at),
        dedupe_key=e.dedupe_key,
        payload=e.payload,
    )


def tenant_out(t: Tenant) -> TenantOut:
    return TenantOut(
        id=t.id,
        name=t.name,
        idle_timeout_s=t.policy.idle_timeout_s,
        max_lifetime_s=t.policy.max_lifetime_s,
        retention_days=t.policy.retention_days,
        allow_extend=t.policy.allow_extend,
        created_at=iso(t.created_at),
    )


def credential_out(c: Credential) -> CredentialOut:
    return CredentialOut(
        id=c.id,
        name=c.name,
        prefix=c.prefix,
        scopes=list(c.scopes),
        kind=c.kind,
        created_at=iso(c.created_at),
        expires_at=iso_or_none(c.expires_at),
        revoked_at=iso_or_none(c.revoked_at),
        last_used_at=iso_or_none(c.last_used_at),
    )


def subject_out(s: Subject) -> SubjectDetailOut:
    """Attributes whose names start with ``_`` are private (e.g. a password hash)."""
    public = {k: v for k, v in s.attributes.items() if not k.startswith("_")}
    return SubjectDetailOut(
        kind=s.kind, id=s.external_id, attributes=public, created_at=iso(s.created_at)
    )


def usage_out(tenant: str, report: UsageReport, subject_kind: str | None) -> UsageOut:
    days = [
        UsageDayOut(day_date(r.day).isoformat(), r.opened, r.ended, r.billed_minutes)
        for r in report.rows
    ]
    totals = UsageDayOut("total", report.opened, report.ended, report.billed_minutes)
    return UsageOut(
        tenant=tenant,
        date_from=report.day_from.isoformat(),
        date_to=report.day_to.isoformat(),
        subject_kind=subject_kind,
        days=days,
        totals=totals,
    )
