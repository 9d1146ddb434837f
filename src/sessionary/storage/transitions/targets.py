"""Which sessions a change applies to (domain/changes.py targets), as conditions on a
session's columns, and the parameters each target binds."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    String,
    and_,
    bindparam,
    exists,
    insert,
    literal_column,
    or_,
    select,
)
from sqlalchemy.sql.elements import ColumnElement

from ...domain.changes import Due, LiveOfSubject, One, Target, Why
from ...domain.session import Status
from ..tables import audit, subjects
from .sqlfuncs import json_object
from .steps import ACTOR_LABEL, ACTOR_PK, NOW, REQUEST_ID, Cols, Expr, active

TENANT = bindparam("tenant_pk", type_=BigInteger)
ID = bindparam("id", type_=String)
DIALECT = bindparam("dialect", type_=String)
OWNER = bindparam("owner", type_=String)
SUBJECT_ID = bindparam("subject_id", type_=String)
SUBJECT_KIND = bindparam("subject_kind", type_=String)
SCOPE = bindparam("scope", type_=String)
ANY_SCOPE = bindparam("any_scope", type_=Boolean)
LIMIT = bindparam("limit", type_=BigInteger)


def _optional(param: Any, column: Expr) -> Expr:
    return or_(param.is_(None), column == param)


def _of_subject(c: Cols, subject_id: Expr) -> Expr:
    # An alias: the statements that read this also join ``subjects``, and the same name
    # would correlate to it.
    s = subjects.alias("named_subject")
    return exists(select(1).where(s.c.pk == c.subject_pk, s.c.external_id == subject_id))


def _subject_pk() -> Expr:
    s = subjects.alias("named_subject")
    named = (s.c.tenant_pk == TENANT) & (s.c.kind == SUBJECT_KIND) & (s.c.external_id == SUBJECT_ID)
    return select(s.c.pk).where(named).scalar_subquery()


def selector(target: type[Target], c: Cols) -> Expr:
    """The rows a target names, whatever their state."""
    if target is One:
        return and_(c.tenant_pk == TENANT, c.id == ID)
    if target is LiveOfSubject:
        in_scope = or_(ANY_SCOPE, c.scope.is_not_distinct_from(SCOPE))
        # Equality with the subject's pk, so the (tenant, subject, status) index finds the
        # rows: a correlated EXISTS made SQLite test every live session of the tenant.
        subject = c.subject_pk == _subject_pk()
        return and_(c.tenant_pk == TENANT, subject, active(c), in_scope)
    return and_(active(c), c.expires_at <= NOW)


def visibility(target: type[Target], c: Cols) -> list[tuple[Why, ColumnElement[bool]]]:
    """A deleted session, another dialect's, another owner's or another subject's is, to
    the caller, no session at all (rule 7's spirit within a tenant)."""
    if target is not One:
        return []
    seen = and_(
        c.status != literal_column(f"'{Status.DELETED.value}'"),
        _optional(DIALECT, c.dialect),
        _optional(OWNER, c.owner),
        or_(SUBJECT_ID.is_(None), _of_subject(c, SUBJECT_ID)),
    )
    return [(Why.MISSING, seen)]


def audit_of_target(target: type[Target]) -> Any | None:
    """A change of a subject's sessions is audited once, as the subject's (when it exists),
    not per session."""
    if target is not LiveOfSubject:
        return None
    exists_subject = exists(
        select(1).where(
            subjects.c.tenant_pk == TENANT,
            subjects.c.kind == SUBJECT_KIND,
            subjects.c.external_id == SUBJECT_ID,
        )
    )
    name = SUBJECT_KIND.concat(literal_column("'/'")).concat(SUBJECT_ID)
    values: tuple[Any, ...] = (
        TENANT,
        ACTOR_PK,
        ACTOR_LABEL,
        literal_column("'subject.close_sessions'"),
        name,
        REQUEST_ID,
        NOW,
        json_object(literal_column("'scope'"), SCOPE),
    )
    columns = ["tenant_pk", "credential_pk", "actor", "action", "target", "request_id", "at"]
    return insert(audit).from_select([*columns, "detail"], select(*values).where(exists_subject))


def params(target: Target) -> dict[str, Any]:
    if isinstance(target, One):
        return {
            "tenant_pk": target.tenant_pk,
            "id": target.id,
            "dialect": target.dialect,
            "owner": target.owner,
            "subject_id": target.subject_id,
        }
    if isinstance(target, LiveOfSubject):
        return {
            "tenant_pk": target.tenant_pk,
            "subject_kind": target.subject_kind,
            "subject_id": target.subject_id,
            "scope": target.scope,
            "any_scope": target.any_scope,
        }
    assert isinstance(target, Due)
    return {"limit": target.limit}
