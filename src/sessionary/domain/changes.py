"""What a use case asks storage to do to sessions, as data: a transition, the sessions it
applies to, and its parameters. Storage builds each transition's statements from one
definition (storage/transitions/); the state machine in ``session.py`` is its specification,
which a model-based test holds storage to on both backends.

A change that finds its guard failed changes nothing and says why (``Why``), so the use case
can name the error, make a due expiry durable first, or wait for a row someone else holds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from .model import JSON, Actor, Credential, Micros, NewEvent
from .session import CloseReason, Session


class Step(StrEnum):
    OPEN = "open"  # an ``Opening``, not a ``Change``: it has no prior state
    CLOSE = "close"
    DELETE = "delete"
    EXTEND = "extend"
    EXPIRE = "expire"
    TOUCH = "touch"  # activity: events appended, work started or finished


class Why(StrEnum):
    """The first guard a session failed, in the order the state machine checks them."""

    MISSING = "missing"  # unknown, deleted, another dialect's or another owner's
    DUE = "due"  # active on disk but past its expiry: expire it first
    ENDED = "ended"  # closed or expired (or, for a live-only delete, ended)
    FORBIDDEN = "forbidden"  # the tenant's policy does not allow extending
    NO_TTL = "no_ttl"  # extend without a ttl, of a session without an idle timeout
    BAD_TTL = "bad_ttl"  # extend to a ttl that is not positive
    LOCKED = "locked"  # PostgreSQL: another transaction holds the row; wait, then retry


@dataclass(slots=True, frozen=True)
class One:
    """One session, as a caller names it; ``owner`` and ``subject_id`` narrow what it may
    see (a Pagos client closes only its own application's sessions)."""

    tenant_pk: int
    id: str
    dialect: str | None = None
    owner: str | None = None
    subject_id: str | None = None


@dataclass(slots=True, frozen=True)
class LiveOfSubject:
    """The active sessions of a subject in one scope, or in every scope."""

    tenant_pk: int
    subject_kind: str
    subject_id: str
    scope: str | None
    any_scope: bool


@dataclass(slots=True, frozen=True)
class Due:
    """A batch of sessions past their expiry, oldest first, that no one else holds."""

    limit: int


Target = One | LiveOfSubject | Due


@dataclass(slots=True, frozen=True)
class Change:
    step: Step
    target: Target
    now: Micros
    actor: Actor | None = None  # None: no audit entry (the sweeper, a composed step)
    reason: CloseReason | None = None
    ttl_s: int | None = None
    live_only: bool = False  # delete: an ended session is refused, not deleted


@dataclass(slots=True, frozen=True)
class Changed:
    sessions: list[Session]
    why: Why | None = None  # set when nothing changed
    status: str | None = None  # the effective status of a session that was not changed

    @property
    def one(self) -> Session:
        return self.sessions[0]


@dataclass(slots=True, frozen=True)
class Opening:
    """A new session: the use case resolved nothing but its id; storage resolves the
    tenant's policy, the subject and the limits in the same step."""

    tenant_pk: int
    id: str
    subject_kind: str
    subject_id: str
    scope: str | None
    alias: str | None
    idle_timeout_s: int | None
    max_lifetime_s: int | None
    metered: bool
    state: JSON
    dialect: str
    owner: str | None
    now: Micros
    actor: Actor
    create_subject: bool = True
    supersede: bool = False
    fallback_idle_timeout_s: int | None = None
    max_live_per_owner: int | None = None
    bound_key: Credential | None = None  # issued with the session, bound to it


class OpenRefused(StrEnum):
    TENANT = "tenant"  # no such tenant
    SUBJECT = "subject"  # no such subject, and the caller does not create one
    OWNER_LIMIT = "owner_limit"  # the owner has its limit of live sessions already
    LOCKED = "locked"  # PostgreSQL: a session to supersede is held by someone else


@dataclass(slots=True, frozen=True)
class Opened:
    session: Session | None
    refused: OpenRefused | None = None


@dataclass(slots=True, frozen=True)
class Appending:
    target: One
    events: Sequence[NewEvent]
    now: Micros


@dataclass(slots=True, frozen=True)
class Appended:
    changed: Changed
    accepted: int = 0
    duplicates: list[str] = field(default_factory=list)
