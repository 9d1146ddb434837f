"""Subjects (the things sessions are about: users, devices, applications, players)."""

from __future__ import annotations

import builtins

from ..domain import limits
from ..domain.changes import Change, One, Step
from ..domain.errors import SubjectNotFound
from ..domain.model import JSON, Actor, Subject
from ..domain.ports import Clock, SubjectTotals, UnitOfWorkFactory
from ..domain.session import Status
from .audit import record
from .changes import change_one


class SubjectService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def list(
        self, tenant_pk: int, kind: str | None, cursor: str | None, limit: int
    ) -> tuple[list[Subject], str | None]:
        async with self._uow(write=False) as uow:
            rows = await uow.subjects.list(tenant_pk, kind, cursor, limit + 1)
            await uow.commit()
        items = rows[:limit]
        return items, (str(items[-1].pk) if len(rows) > limit and items else None)

    async def get(self, tenant_pk: int, kind: str, external_id: str) -> Subject:
        async with self._uow(write=False) as uow:
            subject = await uow.subjects.find(tenant_pk, kind, external_id)
            await uow.commit()
        if subject is None:
            raise SubjectNotFound("no such subject", kind=kind, id=external_id)
        return subject

    async def put(
        self, tenant_pk: int, kind: str, external_id: str, attributes: JSON, actor: Actor
    ) -> Subject:
        limits.check_text(kind, "kind", limits.SUBJECT_KIND)
        limits.check_text(external_id, "subject id", limits.SUBJECT_ID)
        now = self._clock.now()
        async with self._uow() as uow:
            subject = await uow.subjects.get_or_add(tenant_pk, kind, external_id, now)
            await uow.subjects.set_attributes(subject.pk, attributes)
            await record(uow, tenant_pk, actor, "subject.put", f"{kind}/{external_id}", now)
            await uow.commit()
        subject.attributes = attributes
        return subject

    async def find_by(self, tenant_pk: int, kind: str, key: str, value: str) -> Subject | None:
        async with self._uow(write=False) as uow:
            subject = await uow.subjects.find_by_attribute(tenant_pk, kind, key, value)
            await uow.commit()
        return subject

    async def page(
        self, tenant_pk: int, kind: str, offset: int, limit: int, having: str | None = None
    ) -> tuple[builtins.list[Subject], int]:
        async with self._uow(write=False) as uow:
            items = await uow.subjects.list(tenant_pk, kind, None, limit, offset, having)
            total = await uow.subjects.count(tenant_pk, kind, having)
            await uow.commit()
        return items, total

    async def totals(
        self, tenant_pk: int, subjects: builtins.list[Subject], dialect: str | None = None
    ) -> dict[int, SubjectTotals]:
        """Sessions, events and latest activity per subject (one dialect's sessions only)."""
        async with self._uow(write=False) as uow:
            pks = [s.pk for s in subjects]
            totals = await uow.sessions.subject_totals(tenant_pk, pks, dialect)
            await uow.commit()
        return totals

    async def delete(self, tenant_pk: int, kind: str, external_id: str, actor: Actor) -> None:
        """Delete a subject with all its sessions and their events; each session that was not
        deleted yet gets its ``deleted`` lifecycle record (after ``expired`` if it was due)."""
        async with self._uow() as uow:
            subject = await uow.subjects.find(tenant_pk, kind, external_id)
            if subject is None:
                raise SubjectNotFound("no such subject", kind=kind, id=external_id)
            await uow.subjects.lock(subject.pk)
            sessions = await uow.sessions.lock_all_of_subject(tenant_pk, subject.pk)
            for session in sessions:  # held: each is deleted by the one definition of delete
                if session.status is not Status.DELETED:
                    delete = Change(Step.DELETE, One(tenant_pk, session.id), 0)
                    await change_one(uow, self._clock, delete)
            now = self._clock.now()
            await uow.subjects.delete(subject.pk)
            await record(uow, tenant_pk, actor, "subject.delete", f"{kind}/{external_id}", now)
            await uow.commit()
