from __future__ import annotations

import builtins
from typing import Any

from sqlalchemy import Select, func, insert, select, update
from sqlalchemy.sql.elements import ColumnElement

from ...domain.ports import WorkFilter
from ...domain.work import WorkItem, WorkStatus
from ..executor import Executor
from ..tables import subjects as subj
from ..tables import work_items as w


def _item(row: Any) -> WorkItem:
    return WorkItem(
        pk=row.pk,
        tenant_pk=row.tenant_pk,
        id=row.id,
        subject_pk=row.subject_pk,
        scope=row.scope,
        session_pk=row.session_pk,
        session_id=row.session_id,
        status=WorkStatus(row.status),
        opened_at=row.opened_at,
        updated_at=row.updated_at,
        closed_at=row.closed_at,
        data=dict(row.data),
    )


def _locking(stmt: Select[Any]) -> Select[Any]:
    return stmt.with_for_update()


class SqlWorkRepository:
    def __init__(self, ex: Executor) -> None:
        self._ex = ex

    async def add(self, item: WorkItem) -> WorkItem:
        values = {
            "tenant_pk": item.tenant_pk,
            "id": item.id,
            "subject_pk": item.subject_pk,
            "scope": item.scope,
            "session_pk": item.session_pk,
            "session_id": item.session_id,
            "status": item.status.value,
            "opened_at": item.opened_at,
            "updated_at": item.updated_at,
            "closed_at": item.closed_at,
            "data": item.data,
        }
        item.pk = (await self._ex.execute(insert(w).values(values).returning(w.c.pk))).scalar_one()
        return item

    async def lock(self, tenant_pk: int, id: str) -> WorkItem | None:
        stmt = _locking(select(w).where((w.c.tenant_pk == tenant_pk) & (w.c.id == id)))
        row = (await self._ex.execute(stmt)).first()
        return None if row is None else _item(row)

    async def get(self, tenant_pk: int, id: str) -> WorkItem | None:
        stmt = select(w).where((w.c.tenant_pk == tenant_pk) & (w.c.id == id))
        row = (await self._ex.execute(stmt)).first()
        return None if row is None else _item(row)

    async def lock_open(
        self, tenant_pk: int, subject_pk: int, scope: str | None, any_scope: bool
    ) -> builtins.list[WorkItem]:
        where = (
            (w.c.tenant_pk == tenant_pk)
            & (w.c.subject_pk == subject_pk)
            & (w.c.status == WorkStatus.OPEN.value)
        )
        if not any_scope:
            where = where & w.c.scope.is_not_distinct_from(scope)
        rows = await self._ex.execute(_locking(select(w).where(where).order_by(w.c.pk)))
        return [_item(r) for r in rows]

    async def lock_settling(self, limit: int) -> builtins.list[WorkItem]:
        settling = (WorkStatus.CANCELLING.value, WorkStatus.COMPLETING.value)
        stmt = select(w).where(w.c.status.in_(settling)).order_by(w.c.pk)
        stmt = stmt.limit(limit).with_for_update(skip_locked=True)
        return [_item(r) for r in await self._ex.execute(stmt)]

    async def lock_stale_open(self, before: int, limit: int) -> builtins.list[WorkItem]:
        stmt = select(w).where((w.c.status == WorkStatus.OPEN.value) & (w.c.updated_at < before))
        stmt = stmt.order_by(w.c.pk).limit(limit).with_for_update(skip_locked=True)
        return [_item(r) for r in await self._ex.execute(stmt)]

    async def save(self, item: WorkItem) -> None:
        stmt = (
            update(w)
            .where(w.c.pk == item.pk)
            .values(
                status=item.status.value,
                updated_at=item.updated_at,
                closed_at=item.closed_at,
                data=item.data,
                session_pk=item.session_pk,
                session_id=item.session_id,
            )
        )
        await self._ex.execute(stmt)

    async def find(
        self, tenant_pk: int, flt: WorkFilter, offset: int, limit: int
    ) -> tuple[builtins.list[WorkItem], int]:
        where = [w.c.tenant_pk == tenant_pk, *_filters(flt)]
        total = await self._ex.execute(select(func.count()).select_from(w).where(*where))
        stmt = select(w).where(*where).order_by(w.c.opened_at, w.c.pk).offset(offset).limit(limit)
        rows = await self._ex.execute(stmt)
        return [_item(r) for r in rows], int(total.scalar_one())


def _filters(flt: WorkFilter) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if flt.subject_pk is not None:
        out.append(w.c.subject_pk == flt.subject_pk)
    if flt.subject_prefix is not None:
        owned = select(subj.c.pk).where(
            subj.c.external_id.startswith(flt.subject_prefix, autoescape=True)
        )
        out.append(w.c.subject_pk.in_(owned))
    if flt.status is not None:
        out.append(w.c.status == flt.status)
    if flt.scope is not None:
        out.append(w.c.scope == flt.scope)
    if flt.opened_from is not None:
        out.append(w.c.opened_at >= flt.opened_from)
    if flt.opened_to is not None:
        out.append(w.c.opened_at <= flt.opened_to)
    return out
