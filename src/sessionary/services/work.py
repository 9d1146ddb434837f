"""Pending work in a live session's scope (casino rounds): start (or resume), finish, read,
and the sweeper's settling of cancellations."""

from __future__ import annotations

import builtins
import secrets
from dataclasses import dataclass

from ..domain.changes import One
from ..domain.model import JSON
from ..domain.ports import Clock, UnitOfWork, UnitOfWorkFactory, WorkFilter
from ..domain.session import Session
from ..domain.work import WorkItem, WorkNotFound, WorkStatus
from .changes import append_in


@dataclass(slots=True, frozen=True)
class Started:
    item: WorkItem
    resumed: bool


def new_work_id() -> str:
    return f"{secrets.randbelow(10**16):016d}"


async def _live_session(
    uow: UnitOfWork, clock: Clock, tenant_pk: int, session_id: str, dialect: str | None
) -> Session:
    """The session, held to the commit and touched by the work (which must find it live)."""
    await uow.sessions.lock(tenant_pk, session_id)
    return await append_in(uow, clock, One(tenant_pk, session_id, dialect), [])


class WorkService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def start(
        self, tenant_pk: int, session_id: str, data: JSON, dialect: str | None = None
    ) -> Started:
        """One open item per subject and scope: an unfinished one is resumed, and moves to
        the session that resumed it."""
        async with self._uow() as uow:
            session = await _live_session(uow, self._clock, tenant_pk, session_id, dialect)
            now = self._clock.now()
            found = await uow.work.lock_open(tenant_pk, session.subject_pk, session.scope, False)
            if found:
                item = found[0]
                item.session_pk, item.session_id = session.pk, session.id
                await uow.work.save(item)
            else:
                item = await uow.work.add(_new_item(session, data, now))
            await uow.commit()
        return Started(item, resumed=bool(found))

    async def finish(
        self, tenant_pk: int, session_id: str, work_id: str, data: JSON, dialect: str | None = None
    ) -> WorkItem:
        async with self._uow() as uow:
            session = await _live_session(uow, self._clock, tenant_pk, session_id, dialect)
            item = await uow.work.lock(tenant_pk, work_id)
            if item is None or (item.subject_pk, item.scope) != (session.subject_pk, session.scope):
                raise WorkNotFound("no such work item in this session", id=work_id)
            now = self._clock.now()
            item.complete(now, data)
            await uow.work.save(item)
            await uow.commit()
        return item

    async def get(self, tenant_pk: int, work_id: str) -> WorkItem | None:
        async with self._uow(write=False) as uow:
            item = await uow.work.get(tenant_pk, work_id)
            await uow.commit()
        return item

    async def find(
        self, tenant_pk: int, flt: WorkFilter, offset: int, limit: int
    ) -> tuple[builtins.list[WorkItem], int]:
        async with self._uow(write=False) as uow:
            found = await uow.work.find(tenant_pk, flt, offset, limit)
            await uow.commit()
        return found


def _new_item(session: Session, data: JSON, now: int) -> WorkItem:
    return WorkItem(
        pk=0,
        tenant_pk=session.tenant_pk,
        id=new_work_id(),
        subject_pk=session.subject_pk,
        scope=session.scope,
        session_pk=session.pk,
        session_id=session.id,
        status=WorkStatus.OPEN,
        opened_at=now,
        updated_at=now,
        data=data,
    )
