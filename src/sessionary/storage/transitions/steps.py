"""Each session transition defined once: its guards, its effects on the row, its lifecycle
record, its audit entry, its billing and its key revocation, as SQLAlchemy expressions over a
session's columns. ``plans.py`` builds the statements of both backends from these; the
specification they must meet is the state machine in domain/session.py.

Expressions take ``c``, the columns of a session row: the ``sessions`` table for guards and
effects (SET reads the row as it was), and the changed row (an UPDATE's RETURNING on
PostgreSQL, the row re-read on SQLite) for records and audit entries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Integer,
    String,
    and_,
    bindparam,
    case,
    exists,
    literal,
    literal_column,
    not_,
    null,
    select,
)
from sqlalchemy.sql.elements import ColumnElement

from ...domain.changes import Step, Why
from ...domain.model import SECOND
from ...domain.session import CloseReason, Status
from ..tables import tenants
from .sqlfuncs import greatest, json_object, least

Cols = Any  # a ColumnCollection of the sessions table's columns
Expr = ColumnElement[Any]

NOW = bindparam("now", type_=BigInteger)
REASON = bindparam("reason", type_=String)
TTL = bindparam("ttl_s", type_=Integer)
N_EVENTS = bindparam("n_events", type_=BigInteger)
ACTOR_PK = bindparam("actor_pk", type_=BigInteger)
ACTOR_LABEL = bindparam("actor_label", type_=String)
REQUEST_ID = bindparam("request_id", type_=String)


def key(name: str) -> Expr:
    """A constant of the definition (a JSON key, a status), written into the SQL."""
    return literal_column(f"'{name}'")


def seconds(value: Expr) -> Expr:
    """Seconds as microseconds, in 64 bits (a 10-year lifetime overflows PostgreSQL's int)."""
    return value * literal(SECOND, BigInteger)


def activity(c: Cols) -> Expr:
    """When the change happens: the clock, but never before the session's last activity,
    which a node whose clock runs a little ahead may have written (``Session.activity_at``)."""
    return greatest(NOW, c.last_activity_at)


def capped(value: Expr, c: Cols) -> Expr:
    """Never past the absolute lifetime, when the session has one."""
    deadline = c.opened_at + seconds(c.max_lifetime_s)
    return case((c.max_lifetime_s.is_(None), value), else_=least(value, deadline))


def active(c: Cols) -> Expr:
    """Written into the SQL, not bound: the partial indexes (``WHERE status = 'active'``)
    match only a literal."""
    is_active: Expr = c.status == key(Status.ACTIVE.value)
    return is_active


def due(c: Cols, now: Any = NOW) -> Expr:
    """Rule 4: active on disk but past its expiry, so already expired (reads pass their own
    ``now``)."""
    return and_(active(c), c.expires_at.is_not(None), c.expires_at <= now)


def expiry_reason(c: Cols) -> Expr:
    deadline = c.opened_at + seconds(c.max_lifetime_s)
    at_deadline = and_(c.max_lifetime_s.is_not(None), c.expires_at >= deadline)
    reason = case(
        (at_deadline, key(CloseReason.MAX_LIFETIME.value)),
        else_=key(CloseReason.IDLE_TIMEOUT.value),
    )
    return reason


def billed_minutes(opened_at: Expr, ended_at: Expr, metered: Expr) -> Expr:
    """Rule 5: ceil(whole active seconds / 60) from open to end; 0 when unmetered (the usage
    report sums the same expression)."""
    whole = greatest(ended_at - opened_at, literal_column("0")) // SECOND
    return case((metered, (whole + 59) // 60), else_=literal_column("0"))


def ended_data(c: Cols) -> Expr:
    """An ending record carries what GET shows once ended, so a receiver bills from it."""
    minutes = billed_minutes(c.opened_at, c.closed_at, c.metered)
    return json_object(key("billed_minutes"), minutes, key("ended_at"), c.closed_at)


def ttl(c: Cols) -> Expr:
    return case((TTL.is_(None), c.idle_timeout_s), else_=TTL)


def allows_extend(c: Cols) -> Expr:
    return exists(select(1).where(tenants.c.pk == c.tenant_pk, tenants.c.allow_extend))


@dataclass(frozen=True, slots=True)
class Record:
    type: str
    reason: Callable[[Cols], Expr]
    at: Callable[[Cols], Expr]
    data: Callable[[Cols], Expr]


@dataclass(frozen=True, slots=True)
class Audit:
    action: str
    detail: Callable[[], Expr]


@dataclass(frozen=True, slots=True)
class Transition:
    step: Step
    guards: Callable[[Cols], list[tuple[Why, Expr]]]  # in the state machine's order
    sets: Callable[[Cols], dict[str, Expr]]
    record: Record | None
    audit: Audit | None
    revokes_keys: bool = False  # keys bound to the session die with it
    drops_events: bool = False


def _live(c: Cols) -> list[tuple[Why, Expr]]:
    return [(Why.ENDED, active(c)), (Why.DUE, not_(due(c)))]


def _ended_by(status: Status, closed_at: Expr, reason: Expr) -> dict[str, Expr]:
    return {"status": key(status.value), "closed_at": closed_at, "close_reason": reason}


def _close_sets(c: Cols) -> dict[str, Expr]:
    return _ended_by(Status.CLOSED, activity(c), REASON) | {"version": c.version + 1}


def _delete_sets(c: Cols) -> dict[str, Expr]:
    """A live session's meter stops now; an ended one keeps its end."""
    closed_at = case((active(c), activity(c)), else_=c.closed_at)
    reason = case((active(c), key(CloseReason.DELETED.value)), else_=c.close_reason)
    return _ended_by(Status.DELETED, closed_at, reason) | {"version": c.version + 1}


def _expire_sets(c: Cols) -> dict[str, Expr]:
    """The end is the expiry instant, not when someone noticed."""
    return _ended_by(Status.EXPIRED, c.expires_at, expiry_reason(c)) | {"version": c.version + 1}


def _extend_sets(c: Cols) -> dict[str, Expr]:
    """Expiry set to activity + ttl (not added on), capped by the absolute lifetime."""
    at = activity(c)
    expires = capped(at + seconds(ttl(c)), c)
    return {"last_activity_at": at, "expires_at": expires, "version": c.version + 1}


def _touch_sets(c: Cols) -> dict[str, Expr]:
    """Activity pushes the idle deadline out, never earlier and never past the lifetime."""
    at = activity(c)
    candidate = at + seconds(c.idle_timeout_s)
    current = case((c.expires_at.is_(None), candidate), else_=c.expires_at)
    pushed = capped(greatest(current, candidate), c)
    expires = case((c.idle_timeout_s.is_(None), c.expires_at), else_=pushed)
    return {"last_activity_at": at, "last_seq": c.last_seq + N_EVENTS, "expires_at": expires}


def _extend_guards(c: Cols) -> list[tuple[Why, Expr]]:
    return [
        *_live(c),
        (Why.FORBIDDEN, allows_extend(c)),
        (Why.NO_TTL, ttl(c).is_not(None)),
        (Why.BAD_TTL, ttl(c) > 0),
    ]


def _ended_record(kind: str, at: Callable[[Cols], Expr]) -> Record:
    return Record(kind, lambda c: c.close_reason, at, ended_data)


def _deleted_at(c: Cols) -> Expr:
    """A live session deleted now ended now (its close reason says so); an ended one keeps
    its end, and the record is of the delete."""
    return case((c.close_reason == CloseReason.DELETED.value, c.closed_at), else_=NOW)


CLOSE = Transition(
    Step.CLOSE,
    _live,
    _close_sets,
    _ended_record("closed", lambda c: c.closed_at),
    Audit("session.close", lambda: json_object(key("reason"), REASON)),
    revokes_keys=True,
)
DELETE = Transition(
    Step.DELETE,
    lambda c: [(Why.DUE, not_(due(c)))],
    _delete_sets,
    Record("deleted", lambda c: key(CloseReason.DELETED.value), _deleted_at, ended_data),
    Audit("session.delete", lambda: json_object()),
    revokes_keys=True,
    drops_events=True,
)
# HiveMP's DELETE: an ended session is refused and left as it is.
DELETE_LIVE = Transition(
    Step.DELETE,
    _live,
    _delete_sets,
    DELETE.record,
    DELETE.audit,
    revokes_keys=True,
    drops_events=True,
)
EXPIRE = Transition(
    Step.EXPIRE,
    lambda c: [(Why.ENDED, due(c))],
    _expire_sets,
    _ended_record("expired", lambda c: c.closed_at),
    None,
    revokes_keys=True,
)
EXTEND = Transition(
    Step.EXTEND,
    _extend_guards,
    _extend_sets,
    Record(
        "extended",
        lambda c: null(),
        lambda c: c.last_activity_at,
        lambda c: json_object(key("expires_at"), c.expires_at),
    ),
    Audit("session.extend", lambda: json_object(key("ttl_s"), TTL)),
)
TOUCH = Transition(Step.TOUCH, _live, _touch_sets, None, None)

_BY_STEP = {t.step: t for t in (CLOSE, DELETE, EXPIRE, EXTEND, TOUCH)}


def transition(step: Step, live_only: bool = False) -> Transition:
    return DELETE_LIVE if step is Step.DELETE and live_only else _BY_STEP[step]
