"""Session use cases: open, read, list, extend, close, delete, close-all-for-subject."""

from __future__ import annotations

import builtins
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ..domain import ids, limits
from ..domain.errors import (
    Forbidden,
    LimitExceeded,
    SessionNotActive,
    SessionNotFound,
    SubjectNotFound,
    TenantNotFound,
)
from ..domain.model import JSON, Actor, Micros, Subject, Tenant
from ..domain.ports import (
    Clock,
    NewSession,
    PlainOpen,
    SessionFilter,
    UnitOfWork,
    UnitOfWorkFactory,
)
from ..domain.session import CloseReason, Session, Status, initial_expiry
from .audit import record
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


async def settle_due(uow: UnitOfWork, session: Session, now: Micros) -> None:
    """Rule 4 on writes: a due session is expired durably (and committed) before refusing."""
    if session.is_due(now):
        await expire_in(uow, session, now)
        await uow.commit()
        raise SessionNotActive("session is expired", id=session.id, status="expired")
    session.require_live(now)


async def expire_in(uow: UnitOfWork, session: Session, now: Micros) -> None:
    rec = session.expire(now)
    await uow.sessions.save(session)
    await uow.lifecycle.add(rec)
    await uow.credentials.revoke_bound_to(session.pk, now)


async def close_in(uow: UnitOfWork, session: Session, now: Micros, reason: CloseReason) -> None:
    """Close, or make a due expiry durable, inside the caller's unit of work."""
    if session.is_due(now):
        await expire_in(uow, session, now)
        return
    rec = session.close(now, reason)
    await uow.sessions.save(session)
    await uow.lifecycle.add(rec)
    await uow.credentials.revoke_bound_to(session.pk, now)


class SessionService:
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
            plain = _plain(tenant_pk, req, self._new_id)
            if plain is not None:  # the common case, in one step (storage/repositories/hot.py)
                opened = await uow.sessions.open_plain(plain, self._clock.now(), actor)
                if opened is not None:
                    await uow.commit()
                    return opened
            tenant = await _tenant(uow, tenant_pk)
            subject = await _subject(uow, tenant_pk, req, self._clock.now())
            superseded: list[Session] = []
            if req.supersede:
                await uow.subjects.lock(subject.pk)
                superseded = await uow.sessions.lock_live_of_subject(
                    tenant_pk, subject.pk, req.scope, any_scope=False
                )
            now = self._clock.now()  # after the locks: a waiter must not act in the past
            for old in superseded:
                await close_in(uow, old, now, CloseReason.SUPERSEDED)
            session = await uow.sessions.add(self._new_session(tenant, subject, req, now))
            await uow.lifecycle.add(session.opened_record())
            if req.bound_key is not None:
                bound = replace(req.bound_key, tenant_pk=tenant_pk, bound_session_pk=session.pk)
                await uow.credentials.add(build_credential(bound, now)[0])
            await record(uow, tenant_pk, actor, "session.open", session.id, now)
            await _check_owner_limit(uow, tenant_pk, req, self._clock)
            await uow.commit()
        return session

    def _new_session(
        self, tenant: Tenant, subject: Subject, req: OpenRequest, now: Micros
    ) -> NewSession:
        idle = req.idle_timeout_s or tenant.policy.idle_timeout_s or req.fallback_idle_timeout_s
        lifetime = req.max_lifetime_s or tenant.policy.max_lifetime_s
        return NewSession(
            tenant_pk=tenant.pk,
            id=req.id or self._new_id(),
            subject=subject,
            scope=req.scope,
            alias=req.alias,
            opened_at=now,
            expires_at=initial_expiry(now, idle, lifetime),
            idle_timeout_s=idle,
            max_lifetime_s=lifetime,
            metered=req.metered,
            state=req.state,
            dialect=req.dialect,
            owner=req.owner,
        )

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
        async with self._uow() as uow:
            extended = await uow.sessions.extend_live(
                tenant_pk, session_id, self._clock.now(), ttl_s, dialect, actor
            )
            if extended is not None:  # the common case, in one step (repositories/hot_extend.py)
                await uow.commit()
                return extended
            tenant = await _tenant(uow, tenant_pk)
            locked = await uow.sessions.lock(tenant_pk, session_id)
            now = self._clock.now()  # after the lock: a waiter must not act in the past
            session = visible(locked, session_id, dialect)
            await settle_due(uow, session, now)
            if not tenant.policy.allow_extend:
                raise Forbidden("this tenant's policy does not allow extending sessions")
            rec = session.extend(now, ttl_s)
            await uow.sessions.save(session)
            await uow.lifecycle.add(rec)
            await record(uow, tenant_pk, actor, "session.extend", session.id, now, ttl_s=ttl_s)
            await uow.commit()
        return session

    async def close(
        self,
        tenant_pk: int,
        session_id: str,
        actor: Actor,
        reason: CloseReason = CloseReason.CLIENT,
        dialect: str | None = None,
    ) -> Session:
        async with self._uow() as uow:
            closed = await uow.sessions.close_live(
                tenant_pk, session_id, self._clock.now(), reason, dialect, actor
            )
            if closed is not None:  # the common case, in one step (storage/repositories/hot.py)
                await uow.commit()
                return closed
            locked = await uow.sessions.lock(tenant_pk, session_id)
            now = self._clock.now()
            session = visible(locked, session_id, dialect)
            await settle_due(uow, session, now)
            await close_in(uow, session, now, reason)
            await record(uow, tenant_pk, actor, "session.close", session.id, now, reason=reason)
            await uow.commit()
        return session

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
        async with self._uow() as uow:
            deleted = await uow.sessions.delete_live(
                tenant_pk, session_id, self._clock.now(), dialect, actor
            )
            if deleted is not None:  # a live session, in one step (repositories/hot_delete.py)
                await uow.commit()
                return deleted
            locked = await uow.sessions.lock(tenant_pk, session_id)
            now = self._clock.now()
            session = visible(locked, session_id, dialect)
            if live_only and not session.is_live(now):
                status = session.effective_status(now).value
                raise SessionNotActive("the session has ended", id=session.id, status=status)
            if session.is_due(now):
                await expire_in(uow, session, now)
            rec = session.delete(now)
            await uow.sessions.save(session)
            await uow.lifecycle.add(rec)
            await uow.credentials.revoke_bound_to(session.pk, now)
            await uow.events.delete_for_session(session.pk)
            await record(uow, tenant_pk, actor, "session.delete", session.id, now)
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
        async with self._uow() as uow:
            subject = await uow.subjects.find(tenant_pk, subject_kind, subject_id)
            if subject is None:
                await uow.commit()
                return []
            await uow.subjects.lock(subject.pk)
            live = await uow.sessions.lock_live_of_subject(
                tenant_pk, subject.pk, scope, any_scope=scope is None
            )
            now = self._clock.now()
            for session in live:
                await close_in(uow, session, now, CloseReason.SUBJECT_CLOSED)
            if cancel_pending:
                await cancel_open_work(uow, tenant_pk, subject.pk, scope, now)
            target = f"{subject_kind}/{subject_id}"
            await record(uow, tenant_pk, actor, "subject.close_sessions", target, now, scope=scope)
            await uow.commit()
        return live


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


async def _check_owner_limit(
    uow: UnitOfWork, tenant_pk: int, req: OpenRequest, clock: Clock
) -> None:
    """The last step of an open, so the owner's lock is held only from here to the commit: the
    count, taken after the lock, includes the new session and every open of the owner that
    committed before, and an open that commits after waits for this one's commit to count."""
    if req.max_live_per_owner is None or req.owner is None:
        return
    await uow.sessions.lock_owner(tenant_pk, req.owner)
    live = await uow.sessions.count_live_of_owner(tenant_pk, req.owner, clock.now())
    if live > req.max_live_per_owner:
        raise LimitExceeded("too many live sessions for this owner", limit=req.max_live_per_owner)


async def _subject(uow: UnitOfWork, tenant_pk: int, req: OpenRequest, now: Micros) -> Subject:
    if req.create_subject:
        return await uow.subjects.get_or_add(tenant_pk, req.subject_kind, req.subject_id, now)
    found = await uow.subjects.find(tenant_pk, req.subject_kind, req.subject_id)
    if found is None:
        raise SubjectNotFound("no such subject", kind=req.subject_kind, id=req.subject_id)
    return found


def _plain(tenant_pk: int, req: OpenRequest, new_id: Callable[[], str]) -> PlainOpen | None:
    """The request as a one-step open, or None when it needs the general path."""
    if req.supersede or req.max_live_per_owner is not None or req.bound_key is not None:
        return None
    if req.fallback_idle_timeout_s is not None:
        return None
    if not req.create_subject:
        return None
    return PlainOpen(
        tenant_pk=tenant_pk,
        id=req.id or new_id(),
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
    )


async def _tenant(uow: UnitOfWork, tenant_pk: int) -> Tenant:
    tenant = await uow.tenants.get(tenant_pk)
    if tenant is None:
        raise TenantNotFound("no such tenant")
    return tenant
