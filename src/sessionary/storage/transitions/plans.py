"""The statements of a change, built from its transitions' definitions (steps.py) for each
backend, compiled once and reused.

PostgreSQL: one statement. The target rows are taken with ``FOR UPDATE SKIP LOCKED`` (the
caller's clock was read before the statement; after a wait for a lock it could act in the
past), each transition is an UPDATE in a data-modifying CTE whose RETURNING feeds the record,
key revocation, event removal and audit CTEs, and the result is the changed rows plus, for
each named row left unchanged, the first guard it failed (or ``locked``), read from the
statement's snapshot of the row as it was.

SQLite: one UPDATE ... RETURNING per transition, then the same record, revocation, removal
and audit statements once per changed row (reading the changed row back), all on the unit of
work's open transaction; the failed guard is read only when nothing changed."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    CompoundSelect,
    Select,
    String,
    and_,
    bindparam,
    case,
    delete,
    insert,
    not_,
    null,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import asyncpg
from sqlalchemy.sql.dml import Delete, Insert, Update

from ...domain.changes import Due, One, Target, Why
from ..tables import audit, credentials, events, lifecycle, sessions, subjects
from .steps import (
    ACTOR_LABEL,
    ACTOR_PK,
    NOW,
    REQUEST_ID,
    Cols,
    Expr,
    Transition,
    key,
)
from .targets import LIMIT, audit_of_target, selector, visibility

t = sessions
PK = t.c.pk
PG_DIALECT = asyncpg.dialect()  # type: ignore[no-untyped-call]
SQLITE_DIALECT = sqlite.dialect()
_RECORD_COLUMNS = ["tenant_pk", "session_pk", "session_id", "type", "reason", "at", "data"]
_AUDIT_COLUMNS = ["tenant_pk", "credential_pk", "actor", "action", "target", "request_id", "at"]


@dataclass(frozen=True, slots=True)
class Compiled:
    sql: str
    names: tuple[str, ...]
    constants: dict[str, Any]  # values SQLAlchemy bound itself (1 in ``version + 1``)

    def args(self, values: dict[str, Any]) -> tuple[Any, ...]:
        merged = self.constants | values
        return tuple(merged[name] for name in self.names)


def compile_for(stmt: Any, dialect: Any) -> Compiled:
    compiled = stmt.compile(dialect=dialect)
    constants = {name: b.value for b, name in compiled.bind_names.items() if not b.required}
    return Compiled(compiled.string, tuple(compiled.positiontup or ()), constants)


def guards(tr: Transition, target: type[Target], c: Cols) -> list[tuple[Why, Expr]]:
    return [*visibility(target, c), *tr.guards(c)]


def guard(tr: Transition, target: type[Target], c: Cols) -> Expr:
    return and_(*(ok for _, ok in guards(tr, target, c)))


def why(tr: Transition, target: type[Target], c: Cols) -> Expr:
    """The first guard the row fails; ``locked`` when it fails none (it was held)."""
    whens = [(not_(ok), key(reason.value)) for reason, ok in guards(tr, target, c)]
    return case(*whens, else_=key(Why.LOCKED.value)) if whens else key(Why.LOCKED.value)


# -- the effects of one transition on the rows it changed -----------------------------------


def effects(
    tr: Transition, c: Cols, rows: Sequence[Expr], pk_in: Callable[[Expr], Expr], audited: bool
) -> list[Insert | Update | Delete]:
    """``c``: the changed rows' columns, selected under the conditions ``rows``; ``pk_in(col)``
    says that ``col`` names one of them."""
    out: list[Insert | Update | Delete] = []
    if tr.record is not None:
        r = tr.record
        values = (c.tenant_pk, c.pk, c.id, key(r.type), r.reason(c), r.at(c), r.data(c))
        out.append(insert(lifecycle).from_select(_RECORD_COLUMNS, select(*values).where(*rows)))
    if tr.revokes_keys:
        bound = credentials.c.bound_session_pk
        out.append(
            update(credentials)
            .where(pk_in(bound), credentials.c.revoked_at.is_(None))
            .values(revoked_at=NOW)
        )
    if tr.drops_events:
        out.append(delete(events).where(pk_in(events.c.session_pk)))
    if tr.audit is not None and audited:
        a = tr.audit
        # Stamped with the transition's own instant (its record's), which is the clock's
        # reading unless the session's last activity is later.
        at = NOW if tr.record is None else tr.record.at(c)
        values = (c.tenant_pk, ACTOR_PK, ACTOR_LABEL, key(a.action), c.id, REQUEST_ID, at)
        stmt = insert(audit).from_select(
            [*_AUDIT_COLUMNS, "detail"], select(*values, a.detail()).where(*rows)
        )
        out.append(stmt)
    return out


# -- PostgreSQL ------------------------------------------------------------------------------


def _with_subject(source: Any, why_expr: Expr) -> Select[Any]:
    return select(
        *(source.c[col.name] for col in t.c),
        subjects.c.kind.label("subject_kind"),
        subjects.c.external_id.label("subject_id"),
        why_expr.label("why"),
    ).select_from(source.join(subjects, subjects.c.pk == source.c.subject_pk))


def _pg_target(trs: Sequence[Transition], target: type[Target]) -> Any:
    any_guard = or_(*(guard(tr, target, t.c) for tr in trs))
    stmt = select(PK).where(selector(target, t.c), any_guard)
    if target is Due:
        stmt = stmt.order_by(t.c.expires_at).limit(LIMIT)
    return stmt.with_for_update(skip_locked=True).cte("target")


Extra = Callable[[Any], list[Any]]  # more statements over the changed rows' columns


def pg_statement(
    trs: Sequence[Transition], target: type[Target], audited: bool, extra: Extra | None = None
) -> Any:
    taken = _pg_target(trs, target)
    changed: list[Select[Any]] = []
    dml: list[Any] = []
    for n, tr in enumerate(trs):
        s = (
            update(t)
            .where(PK.in_(select(taken.c.pk)), guard(tr, target, t.c))
            .values(tr.sets(t.c))
            .returning(*t.c)
            .cte(f"s{n}")
        )
        pk_in = functools.partial(_in_cte, s)
        more = [] if extra is None else extra(s)
        per_session = audited and target is One
        for i, stmt in enumerate([*effects(tr, s.c, [], pk_in, per_session), *more]):
            dml.append(stmt.cte(f"e{n}_{i}"))
        changed.append(select(*s.c))
    once = audit_of_target(target)
    if audited and once is not None:
        dml.append(once.cte("audit_once"))
    rows = (changed[0] if len(changed) == 1 else union_all(*changed)).cte("changed")
    result: Select[Any] | CompoundSelect[Any] = _with_subject(rows, null().cast(String))
    if target is not Due:
        unchanged = t.select().where(selector(target, t.c), PK.not_in(select(rows.c.pk)))
        left = unchanged.subquery("unchanged")
        reason = why(trs[-1], target, left.c) if target is One else key(Why.LOCKED.value)
        result = union_all(result, _with_subject(left, reason))
    return result.add_cte(*dml)


def _in_cte(s: Any, col: Expr) -> Expr:
    return col.in_(select(s.c.pk))


# -- SQLite ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SqliteSteps:
    update: Compiled
    effects: list[Compiled]


@dataclass(frozen=True, slots=True)
class SqlitePlan:
    steps: list[SqliteSteps]
    diagnose: Compiled | None
    once: list[Compiled]  # after the steps, once per change


def _subject_columns() -> list[Expr]:
    def of(col: Any, label: str) -> Expr:
        return select(col).where(subjects.c.pk == t.c.subject_pk).scalar_subquery().label(label)

    return [of(subjects.c.kind, "subject_kind"), of(subjects.c.external_id, "subject_id")]


def _indexed(stmt: Compiled) -> Compiled:
    """SQLite: statistics gathered while no key was bound (ANALYZE on a young database) make
    it scan every credential to revoke a session's keys (221 us with 4,500 game tokens)."""
    bound = "UPDATE credentials SET"
    if not stmt.sql.startswith(bound):
        return stmt
    sql = stmt.sql.replace(bound, "UPDATE credentials INDEXED BY ix_credentials_bound SET", 1)
    return Compiled(sql, stmt.names, stmt.constants)


def _sqlite_update(tr: Transition, target: type[Target]) -> Any:
    where = [selector(target, t.c), guard(tr, target, t.c)]
    if target is Due:
        batch = select(PK).where(*where).order_by(t.c.expires_at).limit(LIMIT)
        where = [PK.in_(batch)]
    return update(t).where(*where).values(tr.sets(t.c)).returning(*t.c, *_subject_columns())


def sqlite_plan(
    trs: Sequence[Transition], target: type[Target], audited: bool, extra: Extra | None = None
) -> SqlitePlan:
    pk = bindparam("pk", type_=BigInteger)
    steps = []
    for tr in trs:
        per_session = audited and target is One  # a subject's sessions: audited once, below
        stmts = effects(tr, t.c, [pk == PK], lambda col: col == pk, per_session)
        if extra is not None:
            stmts.extend(extra(select(*t.c).where(pk == PK).subquery("changed_row")))
        steps.append(
            SqliteSteps(
                compile_for(_sqlite_update(tr, target), SQLITE_DIALECT),
                [_indexed(compile_for(s, SQLITE_DIALECT)) for s in stmts],
            )
        )
    diagnose = None
    if target is One:
        stmt = select(*t.c, *_subject_columns(), why(trs[-1], target, t.c).label("why"))
        diagnose = compile_for(stmt.where(selector(target, t.c)), SQLITE_DIALECT)
    once = audit_of_target(target)
    after = [compile_for(once, SQLITE_DIALECT)] if audited and once is not None else []
    return SqlitePlan(steps, diagnose, after)


@functools.cache
def compiled_pg(
    trs: tuple[Transition, ...], target: type[Target], audited: bool, extra: Extra | None = None
) -> Compiled:
    return compile_for(pg_statement(trs, target, audited, extra), PG_DIALECT)


@functools.cache
def compiled_sqlite(
    trs: tuple[Transition, ...], target: type[Target], audited: bool, extra: Extra | None = None
) -> SqlitePlan:
    return sqlite_plan(trs, target, audited, extra)
