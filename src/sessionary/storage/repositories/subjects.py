from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.elements import ColumnElement

from ...domain.model import JSON, Micros, Subject
from .. import driver_reads
from ..executor import Executor
from ..tables import subjects as s


def _subject(row: Any) -> Subject:
    return Subject(
        row.pk, row.tenant_pk, row.kind, row.external_id, dict(row.attributes), row.created_at
    )


_LOCK = select(s.c.pk).where(s.c.pk == bindparam("pk")).with_for_update()
_FIND = select(s).where(
    (s.c.tenant_pk == bindparam("tenant_pk"))
    & (s.c.kind == bindparam("kind"))
    & (s.c.external_id == bindparam("external_id"))
)


def _kind_filter(kind: str | None, having: str | None) -> list[ColumnElement[bool]]:
    """``having``: only subjects whose attributes hold a non-null value under that name."""
    out: list[ColumnElement[bool]] = []
    if kind is not None:
        out.append(s.c.kind == kind)
    if having is not None:
        out.append(s.c.attributes[having].as_string().is_not(None))
    return out


class SqlSubjectRepository:
    def __init__(self, ex: Executor) -> None:
        self._ex = ex

    async def get_or_add(self, tenant_pk: int, kind: str, external_id: str, at: Micros) -> Subject:
        """Insert-if-missing that two concurrent opens for a new subject cannot both fail."""
        found = await self.find(tenant_pk, kind, external_id)
        if found is not None:
            return found
        values = {
            "tenant_pk": tenant_pk,
            "kind": kind,
            "external_id": external_id,
            "attributes": {},
            "created_at": at,
        }
        insert = pg_insert if self._ex.dialect == "postgresql" else sqlite_insert
        await self._ex.execute(insert(s).values(values).on_conflict_do_nothing())
        subject = await self.find(tenant_pk, kind, external_id)
        assert subject is not None
        return subject

    async def find_by_attribute(
        self, tenant_pk: int, kind: str, key: str, value: str
    ) -> Subject | None:
        """Unindexed JSON lookup: fine for per-tenant account lists, not for hot paths."""
        stmt = select(s).where(
            (s.c.tenant_pk == tenant_pk)
            & (s.c.kind == kind)
            & (s.c.attributes[key].as_string() == value)
        )
        row = (await self._ex.execute(stmt.limit(1))).first()
        return None if row is None else _subject(row)

    async def lock(self, pk: int) -> None:
        """Serialise writers per subject (supersede, close-all) on PostgreSQL."""
        await self._ex.execute(_LOCK, {"pk": pk})

    async def find(self, tenant_pk: int, kind: str, external_id: str) -> Subject | None:
        params = {"tenant_pk": tenant_pk, "kind": kind, "external_id": external_id}
        row = await driver_reads.first(self._ex, _FIND, params, ("attributes",))
        return None if row is None else _subject(row)

    async def list(
        self,
        tenant_pk: int,
        kind: str | None,
        after: str | None,
        limit: int,
        offset: int = 0,
        having: str | None = None,
    ) -> list[Subject]:
        stmt = select(s).where(s.c.tenant_pk == tenant_pk, *_kind_filter(kind, having))
        if after is not None:
            stmt = stmt.where(s.c.pk > int(after))
        rows = await self._ex.execute(stmt.order_by(s.c.pk).offset(offset).limit(limit))
        return [_subject(r) for r in rows]

    async def count(self, tenant_pk: int, kind: str | None, having: str | None = None) -> int:
        stmt = select(func.count()).select_from(s)
        stmt = stmt.where(s.c.tenant_pk == tenant_pk, *_kind_filter(kind, having))
        return int((await self._ex.execute(stmt)).scalar_one())

    async def delete(self, pk: int) -> None:
        """Removes the subject; its sessions, their events and bound keys cascade."""
        await self._ex.execute(delete(s).where(s.c.pk == pk))

    async def set_attributes(self, pk: int, attributes: JSON) -> None:
        await self._ex.execute(update(s).where(s.c.pk == pk).values(attributes=attributes))
