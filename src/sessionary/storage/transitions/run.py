"""Running a change's statements (plans.py) on the driver's own connection: one round trip on
PostgreSQL, a few statements on SQLite's open transaction."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from ...domain.changes import Change, Changed, LiveOfSubject, Step, Why
from ...domain.model import NewEvent
from ...domain.session import Status
from ..errors import asyncpg_errors, sqlite_errors
from ..executor import Executor
from ..rows import row_of, session_of, sqlite_rows
from . import appending, targets
from .plans import SqlitePlan, compiled_pg, compiled_sqlite
from .steps import EXPIRE, Transition, transition


def transitions(change: Change) -> tuple[Transition, ...]:
    """A subject's live sessions: the due ones expire, the others take the change."""
    main = transition(change.step, change.live_only)
    if isinstance(change.target, LiveOfSubject) and change.step is not Step.EXPIRE:
        return (EXPIRE, main)
    return (main,)


def values(change: Change, n_events: int = 0) -> dict[str, Any]:
    actor = change.actor
    return {
        "now": change.now,
        "reason": None if change.reason is None else change.reason.value,
        "ttl_s": change.ttl_s,
        "n_events": n_events,
        "actor_pk": None if actor is None else actor.credential_pk,
        "actor_label": None if actor is None else actor.label,
        "request_id": None if actor is None else actor.request_id,
        **targets.params(change.target),
    }


async def apply(ex: Executor, change: Change, batch: Sequence[NewEvent] | None = None) -> Changed:
    """``batch``: the events a ``touch`` appends, numbered from the row it changed."""
    trs = transitions(change)
    kind: Any = type(change.target)  # a frozen dataclass type: a cache key
    audited = change.actor is not None
    args = values(change, 0 if batch is None else len(batch))
    if batch is not None:
        args["events"] = appending.encode(batch)
    conn = await ex.driver()
    if ex.dialect == "postgresql":
        extra = None if batch is None else appending.pg_events
        plan = compiled_pg(trs, kind, audited, extra)
        with asyncpg_errors(conn):
            found = await conn.fetch(plan.sql, *plan.args(args))
        rows = [row_of(dict(r)) for r in found]
    else:
        extra = None if batch is None else appending.sqlite_events
        steps = compiled_sqlite(trs, kind, audited, extra)
        with sqlite_errors():
            rows = _apply_sqlite(conn, steps, args)
    return outcome(rows)


def _apply_sqlite(conn: Any, plan: SqlitePlan, args: dict[str, Any]) -> list[SimpleNamespace]:
    changed: list[SimpleNamespace] = []
    for step in plan.steps:
        rows = sqlite_rows(conn.execute(step.update.sql, step.update.args(args)))
        for row in rows:
            each = args | {"pk": row.pk}
            for effect in step.effects:
                conn.execute(effect.sql, effect.args(each))
        changed.extend(rows)
    for statement in plan.once:
        conn.execute(statement.sql, statement.args(args))
    if changed or plan.diagnose is None:
        return changed
    return sqlite_rows(conn.execute(plan.diagnose.sql, plan.diagnose.args(args)))


def outcome(rows: list[SimpleNamespace]) -> Changed:
    """The changed sessions; else why the first named one was left as it was. A row someone
    else held (PostgreSQL) wins over the changes, which the retry under lock completes."""
    changed = sorted(
        (session_of(r) for r in rows if getattr(r, "why", None) is None), key=lambda s: s.pk
    )
    held = [r for r in rows if getattr(r, "why", None) is not None]
    if any(r.why == Why.LOCKED.value for r in held):
        return Changed(changed, Why.LOCKED)
    if changed:
        return Changed(changed)
    if not held:
        return Changed([], Why.MISSING)
    first = held[0]
    status = Status.EXPIRED.value if first.why == Why.DUE.value else first.status
    return Changed([], Why(first.why), status)
