"""Session use cases: open, read, list, extend, close, delete, close-all-for-subject."""

from __future__ import annotations

import builtins
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ..domain import ids, limits
from ..domain.changes import Change, LiveOfSubject, One, Opening, Step
from ..domain.errors import (
    LimitExceeded,
    SessionNotFound,
    SubjectNotFound,
    TenantNotFound,
)
from ..domain.model import JSON, Actor, Micros, Subject, Tenant
from ..domain.ports import Clock, SessionFilter, UnitOfWork, UnitOfWorkFactory
from ..domain.session import CloseReason, Session, Status
from .changes import change_all, change_one
from .credentials import NewCredential, build_credential


@dataclass(slots=True, frozen=True)
class OpenRequest:
    subject_kind: str
    subject_id: str
    scope: str | None = None
    alias: str | None = None
    idle_timeout_s: int | None = None
    max_lifetime_s: int | None = None
    metered: bool = True
    state: JSON = field(default_factory=dict)
    supersede: bool = False
    dialect: str = "native"
    owner: str | None = None
    id: str | None = None  # dialects choose their own id shape; native ids are sortable
    create_subject: bool = True  # False: an unknown subject is SubjectNotFound
    bound_key: NewCredential | None = None  # issued with the session, dies with it
    max_live_per_owner: int | None = None  # refuse the open past this many live sessions
    # The idle timeout when neither the request nor the tenant's policy sets one (a dialect's
    # own default), so the caller need not read the tenant first.
    fallback_idle_timeout_s: int | None = None


def check_open(req: OpenRequest) -> None:
    """What every caller (dialects, CLI, console) sends fits its column, whatever its edge
    checked: a driver must never be the one to refuse it."""
    limits.check_text(req.subject_kind, "subject kind", limits.SUBJECT_KIND)
    limits.check_text(req.subject_id, "subject id", limits.SUBJECT_ID)
    limits.check_text(req.scope, "scope", limits.SCOPE)
    limits.check_text(req.alias, "alias", limits.ALIAS)
    limits.check_timeout(req.idle_timeout_s, "idle_timeout_s")
    limits.check_timeout(req.max_lifetime_s, "max_lifetime_s")


@dataclass(slots=True, frozen=True)
class Page:
    items: list[Session]
    next_cursor: str | None


def native_session_id() -> str:
    return ids.sortable_id("ses")


class SessionService:
    """Every change goes through the one definition of its transition (storage builds the
    statements, domain/changes.py names them); this class only composes them and names the
    error when a guard fails."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        id_factory: Callable[[], str] = native_session_id,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._new_id = id_factory

    async def open(self, tenant_pk: int, req: OpenRequest, actor: Actor) -> Session:
        check_open(req)
        async with self._uow() as uow:
            await _prepare_open(uow, tenant_pk, req, self._clock)
            opening = _opening(tenant_pk, req, req.id or self._new_id(), self._clock.now(), actor)
            session = await uow.sessions.open(opening)
            if session is None:
                session = await _open_refused(uow, tenant_pk, req, opening, self._clock)
            await _after_open(uow, tenant_pk, req, session)
            await uow.commit()
        return session

    async def get_by_pk(self, session_pk: int) -> Session | None:
        async with self._uow(write=False) as uow:
            session = await uow.sessions.get_by_pk(session_pk)
            await uow.commit()
        return session

    async def get(self, tenant_pk: int, session_id: str, dialect: str | None = None) -> Session:
        async with self._uow(write=False) as uow:
            session = await uow.sessions.read(tenant_pk, session_id)
            await uow.commit()
        return visible(session, session_id, dialect)

    async def list(
        self, tenant_pk: int, flt: SessionFilter, cursor: str | None, limit: int
    ) -> Page:
        async with self._uow(write=False) as uow:
            rows = await uow.sessions.list(tenant_pk, flt, cursor, limit + 1)
            await uow.commit()
        more = len(rows) > limit
        items = rows[:limit]
        return Page(items, str(items[-1].pk) if more and items else None)

    async def extend(
        self,
        tenant_pk: int,
        session_id: str,
        ttl_s: int | None,
        actor: Actor,
        dialect: str | None = None,
    ) -> Session:
        limits.check_timeout(ttl_s, "ttl_s")
        target = One(tenant_pk, session_id, dialect)
        return await self.change_one(Change(Step.EXTEND, target, 0, actor, ttl_s=ttl_s))

    async def close(
        self,
        tenant_pk: int,
        session_id: str,
        actor: Actor,
        reason: CloseReason = CloseReason.CLIENT,
        dialect: str | None = None,
        owner: str | None = None,
        subject_id: str | None = None,
    ) -> Session:
        """``owner`` and ``subject_id``: only a session of that owner and subject is seen."""
        target = One(tenant_pk, session_id, dialect, owner, subject_id)
        return await self.change_one(Change(Step.CLOSE, target, 0, actor, reason=reason))

    async def delete(
        self,
        tenant_pk: int,
        session_id: str,
        actor: Actor,
        dialect: str | None = None,
        live_only: bool = False,
    ) -> Session:
        """``live_only``: a session that has ended (closed, expired or due) is refused with
        SessionNotActive and left as it is, instead of being deleted (HiveMP's DELETE)."""
        target = One(tenant_pk, session_id, dialect)
        change = Change(Step.DELETE, target, 0, actor, live_only=live_only)
        return await self.change_one(change)

    async def change_one(self, change: Change) -> Session:
        """Run a change of one named session in its own unit of work, its clock read now."""
        async with self._uow() as uow:
            session = await change_one(uow, self._clock, change)
            await uow.commit()
        return session

    async def close_for_subject(
        self,
        tenant_pk: int,
        subject_kind: str,
        subject_id: str,
        scope: str | None,
        actor: Actor,
        cancel_pending: bool = False,
    ) -> builtins.list[Session]:
        """Close every live session of a subject (one scope, or all when ``scope`` is None);
        ``cancel_pending`` also cancels the subject's open work in that scope."""
        target = LiveOfSubject(tenant_pk, subject_kind, subject_id, scope, scope is None)
        close = Change(Step.CLOSE, target, 0, actor, reason=CloseReason.SUBJECT_CLOSED)
        async with self._uow() as uow:
            subject = None
            if cancel_pending:  # a round starting now waits for this close, and sees it
                subject = await uow.subjects.find(tenant_pk, subject_kind, subject_id)
                if subject is None:
                    await uow.commit()
                    return []
                await uow.subjects.lock(subject.pk)
            now = self._clock.now()
            closed = await change_all(uow, self._clock, replace(close, now=now))
            if subject is not None:
                await cancel_open_work(uow, tenant_pk, subject.pk, scope, now)
            await uow.commit()
        return closed


def visible(session: Session | None, session_id: str, dialect: str | None = None) -> Session:
    """Deleted sessions, and sessions of another dialect when one is named, do not exist."""
    if session is None or session.status is Status.DELETED:
        raise SessionNotFound("no such session", id=session_id)
    if dialect is not None and session.dialect != dialect:
        raise SessionNotFound("no such session", id=session_id)
    return session


async def cancel_open_work(
    uow: UnitOfWork, tenant_pk: int, subject_pk: int, scope: str | None, now: Micros
) -> None:
    """Each open item asks for its refund (a lifecycle record) and waits to be settled."""
    for item in await uow.work.lock_open(tenant_pk, subject_pk, scope, any_scope=scope is None):
        await uow.lifecycle.add(item.request_cancel(now))
        await uow.work.save(item)


async def _prepare_open(uow: UnitOfWork, tenant_pk: int, req: OpenRequest, clock: Clock) -> None:
    """What an open needs before its statement: the subject's other live sessions in the
    scope are superseded (the subject locked first, so two such opens run one after the
    other); an owner limit's lock is taken, so the statement's count sees every open of the
    owner that committed before."""
    if req.supersede:
        subject = await _subject(uow, tenant_pk, req, clock.now())
        await uow.subjects.lock(subject.pk)
        target = LiveOfSubject(tenant_pk, req.subject_kind, req.subject_id, req.scope, False)
        change = Change(Step.CLOSE, target, clock.now(), reason=CloseReason.SUPERSEDED)
        await change_all(uow, clock, change)
    if req.max_live_per_owner is not None and req.owner is not None:
        await uow.sessions.lock_owner(tenant_pk, req.owner)


async def _open_refused(
    uow: UnitOfWork, tenant_pk: int, req: OpenRequest, opening: Opening, clock: Clock
) -> Session:
    """The open's statement added nothing: the tenant is gone, the subject is not there (or,
    added by a concurrent request, not visible to the statement yet), or the owner has its
    limit of live sessions. Say which, or open once more."""
    await _tenant(uow, tenant_pk)
    await _subject(uow, tenant_pk, req, opening.now)
    session = await uow.sessions.open(replace(opening, now=clock.now()))
    if session is not None:
        return session
    if req.max_live_per_owner is not None and req.owner is not None:
        raise LimitExceeded("too many live sessions for this owner", limit=req.max_live_per_owner)
    raise TenantNotFound("no such tenant")


async def _after_open(uow: UnitOfWork, tenant_pk: int, req: OpenRequest, session: Session) -> None:
    if req.bound_key is not None:
        bound = replace(req.bound_key, tenant_pk=tenant_pk, bound_session_pk=session.pk)
        await uow.credentials.add(build_credential(bound, session.opened_at)[0])


def _opening(
    tenant_pk: int, req: OpenRequest, session_id: str, now: Micros, actor: Actor
) -> Opening:
    return Opening(
        tenant_pk=tenant_pk,
        id=session_id,
        subject_kind=req.subject_kind,
        subject_id=req.subject_id,
        scope=req.scope,
        alias=req.alias,
        idle_timeout_s=req.idle_timeout_s,
        max_lifetime_s=req.max_lifetime_s,
        metered=req.metered,
        state=req.state,
        dialect=req.dialect,
        owner=req.owner,
        now=now,
        actor=actor,
        fallback_idle_timeout_s=req.fallback_idle_timeout_s,
        create_subject=req.create_subject,
        max_live_per_owner=req.max_live_per_owner,
    )


async def _subject(uow: UnitOfWork, tenant_pk: int, req: OpenRequest, now: Micros) -> Subject:
    if req.create_subject:
        return await uow.subjects.get_or_add(tenant_pk, req.subject_kind, req.subject_id, now)
    found = await uow.subjects.find(tenant_pk, req.subject_kind, req.subject_id)
    if found is None:
        raise SubjectNotFound("no such subject", kind=req.subject_kind, id=req.subject_id)
    return found


async def _tenant(uow: UnitOfWork, tenant_pk: int) -> Tenant:
    tenant = await uow.tenants.get(tenant_pk)
    if tenant is None:
        raise TenantNotFound("no such tenant")
    return tenant
