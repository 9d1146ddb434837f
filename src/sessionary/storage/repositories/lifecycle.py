"""Lifecycle records are the outbox that webhooks and the live stream read.

A stream position is (tx, id). On PostgreSQL ``tx`` is the writing transaction's id, and a
reader only takes rows of transactions older than every transaction still running
(``pg_snapshot_xmin``): ids are handed out before commit, so reading by id alone could pass
over a lower id that commits a moment later and lose it for good. Any row that becomes visible
later has a ``tx`` above every position already read. On SQLite writers are serialised, ids
commit in order, and ``tx`` is always 0."""

from __future__ import annotations

import builtins
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, insert, or_, select, text

from ...domain.model import LifecycleRecord, Micros
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
        tx=row.tx,
    )


# Only rows of transactions older than every running one: nothing can commit before them later.
_SETTLED = text("lifecycle.tx < pg_snapshot_xmin(pg_current_snapshot())::text::bigint")


def _after(position: tuple[int, int]) -> ColumnElement[bool]:
    tx, id_ = position
    return or_(lc.c.tx > tx, and_(lc.c.tx == tx, lc.c.id > id_))


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

    async def stream(
        self,
        tenant_pk: int,
        after: tuple[int, int],
        limit: int,
        types: builtins.list[str] | None = None,
        session_id: str | None = None,
    ) -> builtins.list[LifecycleRecord]:
        """The tenant's records after a stream position, in stream order."""
        stmt = select(lc).where(lc.c.tenant_pk == tenant_pk, _after(after))
        if self._ex.dialect == "postgresql":
            stmt = stmt.where(_SETTLED)
        if types:
            stmt = stmt.where(lc.c.type.in_(types))
        if session_id is not None:
            stmt = stmt.where(lc.c.session_id == session_id)
        stmt = stmt.order_by(lc.c.tx, lc.c.id).limit(limit)
        return [_record(r) for r in await self._ex.execute(stmt)]

    async def head(self, tenant_pk: int) -> tuple[int, int]:
        """The tenant's last settled stream position; (0, 0) before its first record."""
        stmt = select(lc.c.tx, lc.c.id).where(lc.c.tenant_pk == tenant_pk)
        if self._ex.dialect == "postgresql":
            stmt = stmt.where(_SETTLED)
        stmt = stmt.order_by(lc.c.tx.desc(), lc.c.id.desc()).limit(1)
        row = (await self._ex.execute(stmt)).first()
        return (0, 0) if row is None else (int(row.tx), int(row.id))

    async def position_of(self, tenant_pk: int, id: int) -> tuple[int, int] | None:
        stmt = select(lc.c.tx).where(lc.c.tenant_pk == tenant_pk, lc.c.id == id)
        tx = (await self._ex.execute(stmt)).scalar()
        return None if tx is None else (int(tx), id)

    async def get(self, id: int) -> LifecycleRecord | None:
        row = (await self._ex.execute(select(lc).where(lc.c.id == id))).first()
        return None if row is None else _record(row)

    async def purge_before(self, tenant_pk: int, before: Micros, limit: int) -> int:
        """Retention: the tenant's oldest records, one batch. Ordered by time, so the batch is
        read along ``ix_lifecycle_at`` from the oldest: ordered by id, PostgreSQL walked the
        primary key and skipped every newer record first, 0.9 s per batch of 100 under 10M
        recent records when the old ones had the highest ids (an import; measured)."""
        batch = (
            select(lc.c.id)
            .where(lc.c.tenant_pk == tenant_pk, lc.c.at < before)
            .order_by(lc.c.at)
            .limit(limit)
            .scalar_subquery()
        )
        result = await self._ex.execute(delete(lc).where(lc.c.id.in_(batch)))
        return int(getattr(result, "rowcount", 0) or 0)

    async def for_session(self, session_pk: int) -> builtins.list[LifecycleRecord]:
        stmt = select(lc).where(lc.c.session_pk == session_pk).order_by(lc.c.id)
        return [_record(r) for r in await self._ex.execute(stmt)]
