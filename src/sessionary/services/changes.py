"""Running a change of sessions (domain/changes.py) and naming its refusal: the one place
where a failed guard becomes a domain error, a due session is expired first (rule 4), and a
row someone else holds (PostgreSQL) is waited for, the clock read again after the wait."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import replace

from ..domain.changes import Change, Changed, LiveOfSubject, One, Step, Why
from ..domain.errors import Forbidden, InvalidInput, SessionNotActive, SessionNotFound
from ..domain.model import NewEvent
from ..domain.ports import Clock, UnitOfWork
from ..domain.session import Session


async def change_one(
    uow: UnitOfWork, clock: Clock, change: Change, batch: Sequence[NewEvent] | None = None
) -> Session:
    """Apply ``change`` to one session (a touch appends ``batch``); a failed guard becomes
    the domain's error. A due session is expired durably (and committed) first (rule 4), and
    then deleted or refused; a live-only delete (HiveMP's) refuses it and records nothing."""
    result = await _waiting(uow, clock, replace(change, now=clock.now()), batch)
    if result.why is Why.DUE and not change.live_only:  # HiveMP's delete only refuses
        assert isinstance(change.target, One)
        await uow.sessions.change(Change(Step.EXPIRE, change.target, clock.now()))
        if change.step is Step.DELETE and not change.live_only:
            result = await _waiting(uow, clock, replace(change, now=clock.now()))
        else:
            await uow.commit()
    if result.why is not None:
        raise refusal(result, change)
    return result.one


async def change_all(uow: UnitOfWork, clock: Clock, change: Change) -> builtins.list[Session]:
    """Apply ``change`` to every session of a multi-session target (a subject's live ones),
    in one statement unless someone holds one of them (PostgreSQL): then wait and finish."""
    result = await uow.sessions.change(change)
    done = list(result.sessions)
    while result.why is Why.LOCKED:  # PostgreSQL: wait for the holders, then the rest
        assert isinstance(change.target, LiveOfSubject)
        t = change.target
        subject = await uow.subjects.find(t.tenant_pk, t.subject_kind, t.subject_id)
        assert subject is not None
        await uow.sessions.lock_live_of_subject(t.tenant_pk, subject.pk, t.scope, t.any_scope)
        # Audited once already, by the statement that changed the first of them.
        result = await uow.sessions.change(replace(change, now=clock.now(), actor=None))
        done.extend(result.sessions)
    return done


async def _waiting(
    uow: UnitOfWork, clock: Clock, change: Change, batch: Sequence[NewEvent] | None = None
) -> Changed:
    """On PostgreSQL a row someone holds is skipped (the clock was read before a wait could
    begin): wait for it, read the clock again and run the same change."""
    result = await _run(uow, change, batch)
    if result.why is Why.LOCKED:
        assert isinstance(change.target, One)
        await uow.sessions.lock(change.target.tenant_pk, change.target.id)
        result = await _run(uow, replace(change, now=clock.now()), batch)
    return result


async def _run(uow: UnitOfWork, change: Change, batch: Sequence[NewEvent] | None) -> Changed:
    if batch is None:
        return await uow.sessions.change(change)
    return await uow.sessions.append(change, batch)


async def append_in(
    uow: UnitOfWork, clock: Clock, target: One, batch: Sequence[NewEvent]
) -> Session:
    """Events appended to a live session, which their activity touches (rule 1: the row is
    taken first, so a close that committed before wins)."""
    return await change_one(uow, clock, Change(Step.TOUCH, target, 0), batch)


def refusal(result: Changed, change: Change) -> Exception:
    sid = change.target.id if isinstance(change.target, One) else ""
    why, status = result.why, result.status or "expired"
    if why is Why.MISSING:
        return SessionNotFound("no such session", id=sid)
    if why is Why.FORBIDDEN:
        return Forbidden("this tenant's policy does not allow extending sessions")
    if why is Why.NO_TTL:
        return InvalidInput("ttl_s is required: the session has no idle timeout", field="ttl_s")
    if why is Why.BAD_TTL:
        return InvalidInput("ttl_s must be positive", field="ttl_s")
    if change.live_only:
        return SessionNotActive("the session has ended", id=sid, status=status)
    return SessionNotActive(f"session is {status}", id=sid, status=status)
