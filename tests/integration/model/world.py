"""The specification the model-based test checks storage against: the domain's own state
machine (``domain/session.py``: ``close``, ``expire``, ``delete``, ``extend``, ``touch``,
``initial_expiry``, ``ended_data``) plus what each public call adds around a transition (its
guards' order, audit entry, bound-key revocation, events). Nothing here reads storage code:
every row the database must hold after a call is predicted from these rules alone.

Generated values (session and subject keys, session ids) are taken from what the real call
returned; everything else is predicted."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from sessionary.domain import limits
from sessionary.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    SessionNotActive,
    SessionNotFound,
)
from sessionary.domain.model import JSON, Actor, LifecycleRecord, Micros, NewEvent, TenantPolicy
from sessionary.domain.session import CloseReason, Session, Status, initial_expiry
from sessionary.services.sessions import OpenRequest

Row = dict[str, Any]
KEY_SCOPES = "sessions:read"  # what the test's bound keys are issued with


@dataclass(slots=True)
class Entry:
    """One session as the model holds it: the domain entity and what hangs off it."""

    session: Session
    records: list[LifecycleRecord] = field(default_factory=list)
    events: list[Row] = field(default_factory=list)
    key: Row | None = None  # the bound key's row, when the open issued one


@dataclass(slots=True, frozen=True)
class Generated:
    """What the database chose for a new session: its key, its id, its subject's key."""

    pk: int
    id: str
    subject_pk: int


@dataclass(slots=True, frozen=True)
class Appended:
    """What ``EventService.append`` returns, less the session."""

    accepted: int
    duplicates: list[str]
    first_seq: int | None
    last_seq: int


class World:
    """One tenant's sessions, subjects, lifecycle records, audit entries, keys and events."""

    def __init__(self, tenant: Row, policy: TenantPolicy, actor: Actor) -> None:
        self.tenant_pk: int = tenant["pk"]
        self.policy = policy
        self.subjects: dict[tuple[str, str], Row] = {}
        self.entries: dict[str, Entry] = {}
        self.audit: list[Row] = []
        # design.md says nothing of an audit entry's instant: a close, extend or delete's entry
        # carries the transition's instant (its lifecycle record's ``at``), which differs from
        # the caller's clock only when that clock is behind the session's last activity.
        self._audit(actor, "tenant.create", tenant["id"], tenant["created_at"], {})

    # -- rows ---------------------------------------------------------------------------------

    def session_rows(self) -> list[Row]:
        return [session_row(e.session) for e in self._by_pk()]

    def record_rows(self) -> dict[int, list[Row]]:
        return {e.session.pk: [record_row(r) for r in e.records] for e in self._by_pk()}

    def key_rows(self) -> list[Row]:
        return [dict(e.key) for e in self._by_pk() if e.key is not None]

    def event_rows(self) -> list[Row]:
        return [dict(ev) for e in self._by_pk() for ev in e.events]

    def subject_rows(self) -> list[Row]:
        return sorted(self.subjects.values(), key=lambda r: r["pk"])

    def find(self, session_id: str) -> Entry | None:
        return self.entries.get(session_id)

    def _by_pk(self) -> list[Entry]:
        return sorted(self.entries.values(), key=lambda e: e.session.pk)

    def get(self, sid: str, dialect: str | None) -> Session | type[DomainError]:
        """A read returns the stored session; rule 4's "expired" is the presenter's to show."""
        entry = self._visible(sid, dialect)
        return SessionNotFound if entry is None else snapshot(entry.session)

    def set_policy(self, policy: TenantPolicy, now: Micros, actor: Actor, tenant_id: str) -> None:
        """Later opens take the new defaults; sessions already open keep theirs."""
        self.policy = policy
        self._audit(actor, "tenant.policy", tenant_id, now, {})

    # -- open ---------------------------------------------------------------------------------

    def open(
        self, req: OpenRequest, now: Micros, actor: Actor, made: Generated | None
    ) -> Session | type[DomainError]:
        """Supersede the subject's live sessions in the scope, then open with the request's
        policy, else the tenant's, else the dialect's fallback idle timeout."""
        if req.id is not None and req.id in self.entries:
            return Conflict
        assert made is not None, "the model expected the open to succeed"
        if req.supersede:
            for old in self._live_of_subject(req.subject_id, req.scope, any_scope=False):
                self._close_in(old, now, CloseReason.SUPERSEDED)
        subject = self._subject(req, made.subject_pk, now)
        idle = req.idle_timeout_s or self.policy.idle_timeout_s or req.fallback_idle_timeout_s
        lifetime = req.max_lifetime_s or self.policy.max_lifetime_s
        session = Session(
            made.pk, self.tenant_pk, made.id, subject["pk"], req.subject_kind, req.subject_id,
            req.scope, req.alias, Status.ACTIVE, now, now, initial_expiry(now, idle, lifetime),
            None, None, idle, lifetime, req.metered, copy.deepcopy(req.state),
            dialect=req.dialect, owner=req.owner,
        )  # fmt: skip
        entry = self.entries[made.id] = Entry(session, [session.opened_record()])
        if req.bound_key is not None:
            entry.key = self._key_row(session, now)
        self._audit(actor, "session.open", session.id, now, {})
        return snapshot(session)

    def _subject(self, req: OpenRequest, pk: int, now: Micros) -> Row:
        key = (req.subject_kind, req.subject_id)
        if key not in self.subjects:
            self.subjects[key] = {
                "pk": pk,
                "tenant_pk": self.tenant_pk,
                "kind": req.subject_kind,
                "external_id": req.subject_id,
                "attributes": {},
                "created_at": now,
            }
        return self.subjects[key]

    def _key_row(self, session: Session, now: Micros) -> Row:
        return {
            "tenant_pk": self.tenant_pk,
            "name": None,
            "scopes": KEY_SCOPES,
            "kind": "native",
            "attributes": {},
            "created_at": now,
            "expires_at": None,
            "revoked_at": None,
            "last_used_at": None,
            "bound_session_pk": session.pk,
        }

    # -- one session --------------------------------------------------------------------------

    def extend(
        self, sid: str, ttl_s: int | None, now: Micros, actor: Actor, dialect: str | None
    ) -> Session | type[DomainError]:
        """Guards in this order: the ttl's range, the session's existence, its liveness (a due
        session is expired durably first), the tenant's policy, then the domain's own."""
        if ttl_s is not None and not 1 <= ttl_s <= limits.MAX_TIMEOUT_S:
            return InvalidInput
        entry = self._live(sid, now, dialect)
        if not isinstance(entry, Entry):
            return entry
        if not self.policy.allow_extend:
            return Forbidden
        try:
            rec = entry.session.extend(now, ttl_s)
        except InvalidInput:
            return InvalidInput
        entry.records.append(rec)
        self._audit(actor, "session.extend", sid, rec.at, {"ttl_s": ttl_s})
        return snapshot(entry.session)

    def close(
        self, sid: str, reason: CloseReason, now: Micros, actor: Actor, dialect: str | None
    ) -> Session | type[DomainError]:
        entry = self._live(sid, now, dialect)
        if not isinstance(entry, Entry):
            return entry
        rec = self._close_in(entry, now, reason)
        self._audit(actor, "session.close", sid, rec.at, {"reason": reason.value})
        return snapshot(entry.session)

    def delete(
        self, sid: str, now: Micros, actor: Actor, dialect: str | None, live_only: bool
    ) -> Session | type[DomainError]:
        """A due session is expired first, then deleted; ``live_only`` refuses any session
        that has ended, due ones included, and leaves it as it is."""
        entry = self._visible(sid, dialect)
        if entry is None:
            return SessionNotFound
        session = entry.session
        if live_only and not session.is_live(now):
            return SessionNotActive
        if session.is_due(now):
            self._ended(entry, session.expire(now), now)
        rec = session.delete(now)
        self._ended(entry, rec, now)
        entry.events.clear()
        self._audit(actor, "session.delete", sid, rec.at, {})
        return snapshot(session)

    def append(
        self, sid: str, batch: list[NewEvent], now: Micros, dialect: str | None
    ) -> tuple[Session, Appended] | type[DomainError]:
        """Rule 1: only a live session takes events; the first of each dedupe key is kept;
        events are stamped at the activity time, which never moves back (``activity_at``)."""
        if not batch:
            return InvalidInput
        entry = self._live(sid, now, dialect)
        if not isinstance(entry, Entry):
            return entry
        session = entry.session
        seen = {ev["dedupe_key"] for ev in entry.events if ev["dedupe_key"] is not None}
        at = session.activity_at(now)
        fresh: list[NewEvent] = []
        duplicates: list[str] = []
        for event in batch:
            if event.dedupe_key is not None and event.dedupe_key in seen:
                duplicates.append(event.dedupe_key)
                continue
            if event.dedupe_key is not None:
                seen.add(event.dedupe_key)
            fresh.append(event)
        for i, event in enumerate(fresh, start=session.last_seq + 1):
            entry.events.append(self._event_row(session, i, event, at))
        session.touch(now)
        session.last_seq += len(fresh)
        first = session.last_seq - len(fresh) + 1 if fresh else None
        return snapshot(session), Appended(len(fresh), duplicates, first, session.last_seq)

    def _event_row(self, session: Session, seq: int, event: NewEvent, at: Micros) -> Row:
        return {
            "session_pk": session.pk,
            "seq": seq,
            "tenant_pk": self.tenant_pk,
            "type": event.type,
            "occurred_at": at if event.occurred_at is None else event.occurred_at,
            "recorded_at": at,
            "dedupe_key": event.dedupe_key,
            "ordinal": event.ordinal,
            "payload": copy.deepcopy(event.payload),
        }

    # -- many sessions ------------------------------------------------------------------------

    def close_for_subject(
        self, subject_id: str, scope: str | None, now: Micros, actor: Actor
    ) -> list[str]:
        """Every session of the subject still active on disk (one scope, or all of them when
        ``scope`` is None) ends: closed, or expired if it is due. An unknown subject: nothing."""
        if ("user", subject_id) not in self.subjects:
            return []
        live = self._live_of_subject(subject_id, scope, any_scope=scope is None)
        for entry in live:
            self._close_in(entry, now, CloseReason.SUBJECT_CLOSED)
        self._audit(actor, "subject.close_sessions", f"user/{subject_id}", now, {"scope": scope})
        return [e.session.id for e in live]

    def sweep(self, now: Micros) -> None:
        """The sweeper makes every due expiry durable, billed to its ``expires_at`` (rule 5)."""
        for entry in self._by_pk():
            if entry.session.is_due(now):
                self._ended(entry, entry.session.expire(now), now)

    # -- shared steps -------------------------------------------------------------------------

    def _visible(self, sid: str, dialect: str | None) -> Entry | None:
        """Deleted sessions, and another dialect's when one is named, do not exist (rule 7's
        answer for what a caller may not see)."""
        entry = self.entries.get(sid)
        if entry is None or entry.session.status is Status.DELETED:
            return None
        if dialect is not None and entry.session.dialect != dialect:
            return None
        return entry

    def _live(self, sid: str, now: Micros, dialect: str | None) -> Entry | type[DomainError]:
        """Rule 4 on writes: a due session is expired durably, then the call is refused."""
        entry = self._visible(sid, dialect)
        if entry is None:
            return SessionNotFound
        if entry.session.is_due(now):
            self._ended(entry, entry.session.expire(now), now)
            return SessionNotActive
        if not entry.session.is_live(now):
            return SessionNotActive
        return entry

    def _live_of_subject(self, subject_id: str, scope: str | None, any_scope: bool) -> list[Entry]:
        return [
            e
            for e in self._by_pk()
            if e.session.subject_id == subject_id
            and e.session.status is Status.ACTIVE
            and (any_scope or e.session.scope == scope)
        ]

    def _close_in(self, entry: Entry, now: Micros, reason: CloseReason) -> LifecycleRecord:
        session = entry.session
        rec = session.expire(now) if session.is_due(now) else session.close(now, reason)
        self._ended(entry, rec, now)
        return rec

    def _ended(self, entry: Entry, rec: LifecycleRecord, now: Micros) -> None:
        """Rule 6: the record in the same change; a key bound to the session dies with it."""
        entry.records.append(rec)
        if entry.key is not None and entry.key["revoked_at"] is None:
            entry.key["revoked_at"] = now

    def _audit(self, actor: Actor, action: str, target: str, at: Micros, detail: JSON) -> None:
        self.audit.append(
            {
                "tenant_pk": self.tenant_pk,
                "credential_pk": actor.credential_pk,
                "actor": actor.label,
                "action": action,
                "target": target,
                "request_id": actor.request_id,
                "at": at,
                "detail": detail,
            }
        )


def snapshot(session: Session) -> Session:
    return copy.deepcopy(session)


def session_row(s: Session) -> Row:
    """Every column of ``sessions`` as the entity says it must be stored."""
    return {
        "pk": s.pk,
        "tenant_pk": s.tenant_pk,
        "id": s.id,
        "subject_pk": s.subject_pk,
        "scope": s.scope,
        "alias": s.alias,
        "status": s.status.value,
        "opened_at": s.opened_at,
        "last_activity_at": s.last_activity_at,
        "expires_at": s.expires_at,
        "closed_at": s.closed_at,
        "close_reason": None if s.close_reason is None else s.close_reason.value,
        "idle_timeout_s": s.idle_timeout_s,
        "max_lifetime_s": s.max_lifetime_s,
        "metered": s.metered,
        "state": s.state,
        "version": s.version,
        "last_seq": s.last_seq,
        "dialect": s.dialect,
        "owner": s.owner,
    }


def record_row(r: LifecycleRecord) -> Row:
    """Every column of ``lifecycle`` but the generated ``id`` and ``tx``."""
    return {
        "tenant_pk": r.tenant_pk,
        "session_pk": r.session_pk,
        "session_id": r.session_id,
        "type": r.type,
        "reason": r.reason,
        "at": r.at,
        "data": r.data,
    }
