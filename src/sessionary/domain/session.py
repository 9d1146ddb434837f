"""The session entity and its state machine (design.md rules 1-5).

``active -> closed | expired | deleted``, ``closed -> deleted``, ``expired -> deleted``.
Every transition returns the lifecycle record the caller must store in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from .errors import InvalidInput, SessionNotActive
from .model import JSON, SECOND, LifecycleRecord, Micros


class Status(StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"
    EXPIRED = "expired"
    DELETED = "deleted"


class CloseReason(StrEnum):
    CLIENT = "client"
    SUPERSEDED = "superseded"
    SUBJECT_CLOSED = "subject_closed"
    IDLE_TIMEOUT = "idle_timeout"
    MAX_LIFETIME = "max_lifetime"
    DELETED = "deleted"
    ADMIN = "admin"


@dataclass(slots=True)
class Session:
    pk: int
    tenant_pk: int
    id: str
    subject_pk: int
    subject_kind: str
    subject_id: str
    scope: str | None
    alias: str | None
    status: Status
    opened_at: Micros
    last_activity_at: Micros
    expires_at: Micros | None
    closed_at: Micros | None
    close_reason: CloseReason | None
    idle_timeout_s: int | None
    max_lifetime_s: int | None
    metered: bool
    state: JSON = field(default_factory=dict)
    version: int = 1
    last_seq: int = 0
    dialect: str = "native"
    owner: str | None = None

    # -- reading -----------------------------------------------------------------------------

    def is_due(self, now: Micros) -> bool:
        """Active on disk but past its expiry: rule 4 treats it as expired already."""
        return (
            self.status is Status.ACTIVE and self.expires_at is not None and now >= self.expires_at
        )

    def effective_status(self, now: Micros) -> Status:
        return Status.EXPIRED if self.is_due(now) else self.status

    def is_live(self, now: Micros) -> bool:
        return self.effective_status(now) is Status.ACTIVE

    def ended_at(self, now: Micros) -> Micros | None:
        if self.is_due(now):
            return self.expires_at
        return self.closed_at

    def effective_close_reason(self, now: Micros) -> CloseReason | None:
        return self._expiry_reason() if self.is_due(now) else self.close_reason

    def billed_minutes(self, now: Micros) -> int:
        end = self.ended_at(now)
        return billed_minutes(self.opened_at, now if end is None else end, self.metered)

    def deadline(self) -> Micros | None:
        if self.max_lifetime_s is None:
            return None
        return self.opened_at + self.max_lifetime_s * SECOND

    # -- transitions -------------------------------------------------------------------------

    def require_live(self, now: Micros) -> None:
        status = self.effective_status(now)
        if status is not Status.ACTIVE:
            raise SessionNotActive(f"session is {status.value}", id=self.id, status=status.value)

    def activity_at(self, now: Micros) -> Micros:
        """When new activity happens: ``now``, but never before the last activity, which a node
        whose clock is a little ahead may have written (storage's transitions use
        ``GREATEST(now, last_activity_at)`` the same way)."""
        return max(now, self.last_activity_at)

    def touch(self, now: Micros) -> None:
        """Activity resets the idle timer, never past the absolute lifetime."""
        self.require_live(now)
        now = self.last_activity_at = self.activity_at(now)
        if self.idle_timeout_s is not None:
            candidate = now + self.idle_timeout_s * SECOND
            current = self.expires_at if self.expires_at is not None else candidate
            self.expires_at = _cap(max(current, candidate), self.deadline())

    def extend(self, now: Micros, ttl_s: int | None) -> LifecycleRecord:
        """Set expiry to ``now + ttl`` (not added on), capped by the absolute lifetime."""
        self.require_live(now)
        ttl = ttl_s if ttl_s is not None else self.idle_timeout_s
        if ttl is None:
            raise InvalidInput("ttl_s is required: the session has no idle timeout", field="ttl_s")
        if ttl <= 0:
            raise InvalidInput("ttl_s must be positive", field="ttl_s")
        now = self.last_activity_at = self.activity_at(now)
        self.expires_at = _cap(now + ttl * SECOND, self.deadline())
        self.version += 1
        return self._record("extended", now, data={"expires_at": self.expires_at})

    def opened_record(self) -> LifecycleRecord:
        return self._record("opened", self.opened_at, data={"dialect": self.dialect})

    def close(self, now: Micros, reason: CloseReason) -> LifecycleRecord:
        self.require_live(now)
        now = self.activity_at(now)  # the meter never stops before the last event
        self.status = Status.CLOSED
        self.closed_at = now
        self.close_reason = reason
        self.version += 1
        return self._ended_record("closed", now, reason)

    def expire(self, now: Micros) -> LifecycleRecord:
        """Make a due expiry durable; the end time is the expiry instant, not the sweep time."""
        if not self.is_due(now):
            raise SessionNotActive(
                "session is not due to expire", id=self.id, status=self.status.value
            )
        assert self.expires_at is not None
        reason = self._expiry_reason()
        self.status = Status.EXPIRED
        self.closed_at = self.expires_at
        self.close_reason = reason
        self.version += 1
        return self._ended_record("expired", self.expires_at, reason)

    def delete(self, now: Micros) -> LifecycleRecord:
        """Delete stops the meter of a live session; a due one must be expired first."""
        if self.status is Status.DELETED:
            raise SessionNotActive("session is deleted", id=self.id, status="deleted")
        if self.is_due(now):
            raise SessionNotActive(
                "session must be expired before delete", id=self.id, status="expired"
            )
        if self.status is Status.ACTIVE:
            now = self.closed_at = self.activity_at(now)
            self.close_reason = CloseReason.DELETED
        self.status = Status.DELETED
        self.version += 1
        return self._ended_record("deleted", now, CloseReason.DELETED)

    def _expiry_reason(self) -> CloseReason:
        deadline = self.deadline()
        if deadline is not None and self.expires_at is not None and self.expires_at >= deadline:
            return CloseReason.MAX_LIFETIME
        return CloseReason.IDLE_TIMEOUT

    def _ended_record(self, kind: str, at: Micros, reason: str) -> LifecycleRecord:
        """A receiver bills from the record alone: it carries what GET shows once ended."""
        assert self.closed_at is not None
        data = ended_data(self.opened_at, self.closed_at, self.metered)
        return self._record(kind, at, reason, data)

    def _record(
        self, kind: str, at: Micros, reason: str | None = None, data: JSON | None = None
    ) -> LifecycleRecord:
        return LifecycleRecord(
            tenant_pk=self.tenant_pk,
            session_pk=self.pk,
            session_id=self.id,
            type=kind,
            at=at,
            reason=reason,
            data=data or {},
        )


# Keys of record data that hold instants: stored as microseconds, shown like every other time.
RECORD_TIMES = frozenset({"expires_at", "ended_at"})


def billed_minutes(opened_at: Micros, end: Micros, metered: bool) -> int:
    """Rule 5: ceil(whole active seconds / 60) from open to ``end``; 0 if unmetered. This is
    the specification; storage's transitions say it in SQL (storage/transitions/steps.py),
    held to it by the model-based test."""
    if not metered:
        return 0
    active_s = max(0, end - opened_at) // SECOND  # whole seconds: a new session bills 0
    return -(-active_s // 60)


def ended_data(opened_at: Micros, ended_at: Micros, metered: bool) -> JSON:
    """The data of a ``closed``, ``expired`` or ``deleted`` record."""
    return {"billed_minutes": billed_minutes(opened_at, ended_at, metered), "ended_at": ended_at}


def initial_expiry(
    opened_at: Micros, idle_timeout_s: int | None, max_lifetime_s: int | None
) -> Micros | None:
    idle = None if idle_timeout_s is None else opened_at + idle_timeout_s * SECOND
    deadline = None if max_lifetime_s is None else opened_at + max_lifetime_s * SECOND
    if idle is None:
        return deadline
    return _cap(idle, deadline)


def _cap(value: Micros, deadline: Micros | None) -> Micros:
    return value if deadline is None else min(value, deadline)
