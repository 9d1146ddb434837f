from __future__ import annotations

import builtins
from typing import Any

from sqlalchemy import insert, select

from ...domain.model import LifecycleRecord
from ..executor import Executor
from ..tables import lifecycle as lc


def _record(row: Any) -> LifecycleRecord:
    return LifecycleRecord(
        tenant_pk=row.tenant_pk,
        session_pk=row.session_pk,
        session_id=row.session_id,
        type=row.type,
        at=row.at,
        reason=row.reason,
        data=dict(row.data),
        id=row.id,
    )


_INSERT = insert(lc)  # parameters at execute time: the statement and its SQL are cached


class SqlLifecycleRepository:
    def __init__(self, ex: Executor) -> None:
        self._ex = ex

    async def add(self, record: LifecycleRecord) -> None:
        params = {
            "tenant_pk": record.tenant_pk,
            "session_pk": record.session_pk,
            "session_id": record.session_id,
            "type": record.type,
            "reason": record.reason,
            "at": record.at,
            "data": record.data,
        }
        await self._ex.execute(_INSERT, params)

    async def list(self, tenant_pk: int, after_id: int, limit: int) -> list[LifecycleRecord]:
        stmt = (
            select(lc)
            .where((lc.c.tenant_pk == tenant_pk) & (lc.c.id > after_id))
            .order_by(lc.c.id)
            .limit(limit)
        )
        return [_record(r) for r in await self._ex.execute(stmt)]

    async def for_session(self, session_pk: int) -> builtins.list[LifecycleRecord]:
        stmt = select(lc).where(lc.c.session_pk == session_pk).order_by(lc.c.id)
        return [_record(r) for r in await self._ex.execute(stmt)]
