"""Opening a session, defined once: the policy it takes (the request's timeouts, else the
tenant's, else the dialect's fallback idle timeout; 0 counts as unset, as ``or`` does in the
domain), its initial expiry, the row, its ``opened`` record and its audit entry. From it:
on PostgreSQL one statement that also finds or adds the subject; on SQLite the subject's
upsert, the insert and the record and audit statements on the open transaction.

It changes nothing and gives None when the tenant is gone or the subject is not there (not
to be created, or created by a concurrent request and not yet visible): the caller decides."""

from __future__ import annotations

import functools
import json
from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Integer,
    String,
    and_,
    bindparam,
    case,
    func,
    insert,
    literal_column,
    not_,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ...domain.changes import Opening, Step
from ...domain.session import Status
from ..errors import asyncpg_errors, sqlite_errors
from ..rows import row_of, sqlite_rows
from ..tables import sessions, subjects, tenants
from .plans import PG_DIALECT, SQLITE_DIALECT, Compiled, compile_for, effects
from .sqlfuncs import json_object, least
from .steps import NOW, Audit, Expr, Record, Transition, active, due, key, seconds
from .targets import DIALECT, ID, OWNER, SCOPE, SUBJECT_ID, SUBJECT_KIND, TENANT

IDLE = bindparam("idle_timeout_s", type_=Integer)
LIFE = bindparam("max_lifetime_s", type_=Integer)
FALLBACK = bindparam("fallback_idle_timeout_s", type_=Integer)
MAX_LIVE = bindparam("max_live_per_owner", type_=Integer)
ALIAS = bindparam("alias", type_=String)
METERED = bindparam("metered", type_=Boolean)
STATE = bindparam("state", type_=sessions.c.state.type)

OPEN = Transition(
    Step.OPEN,
    guards=lambda c: [],  # no prior state: what it needs is found by the statement itself
    sets=lambda c: {},
    record=Record(
        "opened",
        lambda c: null(),
        lambda c: c.opened_at,
        lambda c: json_object(key("dialect"), c.dialect),
    ),
    audit=Audit("session.open", lambda: json_object()),
)


def _unset_as_null(value: Expr) -> Expr:
    return func.nullif(value, literal_column("0"))


def _policy() -> Any:
    t = tenants.c
    idle = func.coalesce(_unset_as_null(IDLE), _unset_as_null(t.idle_timeout_s), FALLBACK)
    life = func.coalesce(_unset_as_null(LIFE), _unset_as_null(t.max_lifetime_s))
    return select(idle.label("idle"), life.label("life")).where(t.pk == TENANT).subquery("policy")


def initial_expiry(policy: Any) -> Expr:
    """Idle deadline, capped by the absolute lifetime; either alone; or none."""
    idle, life = NOW + seconds(policy.c.idle), NOW + seconds(policy.c.life)
    return case(
        (policy.c.idle.is_(None), life),
        (policy.c.life.is_(None), idle),
        else_=least(idle, life),
    )


def _under_owner_limit() -> Expr:
    """An owner's limit of live sessions (a Pagos client's). The caller holds the owner's
    lock (PostgreSQL) from before this statement, so the count sees every open of the owner
    that committed, and one that commits later waits to count this one."""
    others = sessions.alias("others")
    live = and_(
        others.c.tenant_pk == TENANT,
        others.c.owner == OWNER,
        active(others.c),
        not_(due(others.c)),
    )
    count = select(func.count()).where(live).scalar_subquery()
    return or_(MAX_LIVE.is_(None), OWNER.is_(None), count < MAX_LIVE)


def _session_insert(subject: Any) -> Any:
    policy = _policy()
    values = (
        select(
            TENANT,
            ID,
            subject.c.pk,
            SCOPE,
            ALIAS,
            key(Status.ACTIVE.value),
            NOW,
            NOW,
            initial_expiry(policy),
            policy.c.idle,
            policy.c.life,
            METERED,
            STATE,
            literal_column("1"),
            literal_column("0"),
            DIALECT,
            OWNER,
        )
        .select_from(policy.join(subject, true()))
        .where(_under_owner_limit())
    )
    columns = [
        "tenant_pk", "id", "subject_pk", "scope", "alias", "status", "opened_at",
        "last_activity_at", "expires_at", "idle_timeout_s", "max_lifetime_s", "metered",
        "state", "version", "last_seq", "dialect", "owner",
    ]  # fmt: skip
    return insert(sessions).from_select(columns, values).returning(*sessions.c)


def _named_subject() -> Any:
    s = subjects.c
    return select(s.pk).where(
        s.tenant_pk == TENANT, s.kind == SUBJECT_KIND, s.external_id == SUBJECT_ID
    )


def _subject_upsert(dialect_insert: Any) -> Any:
    policy = select(tenants.c.pk).where(tenants.c.pk == TENANT)  # only for a tenant that is
    values: Any = select(TENANT, SUBJECT_KIND, SUBJECT_ID, literal_column("'{}'"), NOW).where(
        policy.exists()
    )
    columns = ["tenant_pk", "kind", "external_id", "attributes", "created_at"]
    stmt = dialect_insert(subjects).from_select(columns, values)
    return stmt.on_conflict_do_nothing(index_elements=["tenant_pk", "kind", "external_id"])


def pg_open(create_subject: bool) -> Any:
    found = _named_subject()
    if create_subject:
        added = _subject_upsert(pg_insert).returning(subjects.c.pk).cte("new_subject")
        found = union_all(select(added.c.pk), found)
    subject = select(found.subquery("found").c.pk).limit(1).subquery("subject")
    s = _session_insert(subject).cte("s")
    dml = [e.cte(f"e{i}") for i, e in enumerate(effects(OPEN, s.c, [], lambda col: col, True))]
    out = select(*s.c, SUBJECT_KIND.label("subject_kind"), SUBJECT_ID.label("subject_id")).add_cte(
        *dml
    )
    return out


@functools.cache
def compiled_pg(create_subject: bool) -> Compiled:
    return compile_for(pg_open(create_subject), PG_DIALECT)


@functools.cache
def compiled_sqlite() -> tuple[Compiled, Compiled, list[Compiled]]:
    pk = bindparam("pk", type_=BigInteger)
    row = sessions.c
    subject = _named_subject().subquery("subject")
    more = effects(OPEN, row, [row.pk == pk], lambda col: col == pk, True)
    return (
        compile_for(_subject_upsert(sqlite_insert), SQLITE_DIALECT),
        compile_for(_session_insert(subject), SQLITE_DIALECT),
        [compile_for(e, SQLITE_DIALECT) for e in more],
    )


def values(req: Opening) -> dict[str, Any]:
    actor = req.actor
    return {
        "tenant_pk": req.tenant_pk,
        "id": req.id,
        "subject_kind": req.subject_kind,
        "subject_id": req.subject_id,
        "now": req.now,
        "idle_timeout_s": req.idle_timeout_s,
        "max_lifetime_s": req.max_lifetime_s,
        "fallback_idle_timeout_s": req.fallback_idle_timeout_s,
        "max_live_per_owner": req.max_live_per_owner,
        "scope": req.scope,
        "alias": req.alias,
        "metered": req.metered,
        "state": json.dumps(req.state),
        "dialect": req.dialect,
        "owner": req.owner,
        "actor_pk": actor.credential_pk,
        "actor_label": actor.label,
        "request_id": actor.request_id,
    }


async def open_postgres(conn: Any, req: Opening) -> SimpleNamespace | None:
    plan = compiled_pg(req.create_subject)
    with asyncpg_errors(conn):
        found = await conn.fetchrow(plan.sql, *plan.args(values(req)))
    return None if found is None else row_of(dict(found))


def open_sqlite(conn: Any, req: Opening) -> SimpleNamespace | None:
    upsert, add, more = compiled_sqlite()
    args = values(req)
    with sqlite_errors():
        if req.create_subject:
            conn.execute(upsert.sql, upsert.args(args))
        rows = sqlite_rows(conn.execute(add.sql, add.args(args)))
        if not rows:
            return None
        row = rows[0]
        for statement in more:
            conn.execute(statement.sql, statement.args(args | {"pk": row.pk}))
    row.subject_kind, row.subject_id = req.subject_kind, req.subject_id
    return row
