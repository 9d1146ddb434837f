from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, insert, select, update

from ...domain.model import Micros, Tenant, TenantPolicy
from ..executor import Executor
from ..tables import tenants as t


def _tenant(row: Any) -> Tenant:
    policy = TenantPolicy(
        idle_timeout_s=row.idle_timeout_s,
        max_lifetime_s=row.max_lifetime_s,
        retention_days=row.retention_days,
        allow_extend=bool(row.allow_extend),
    )
    return Tenant(row.pk, row.id, row.name, policy, dict(row.settings), row.created_at)


_BY_PK = select(t).where(t.c.pk == bindparam("pk"))


class SqlTenantRepository:
    def __init__(self, ex: Executor) -> None:
        self._ex = ex

    async def add(self, id: str, name: str, policy: TenantPolicy, at: Micros) -> Tenant:
        stmt = insert(t).values(
            id=id,
            name=name,
            idle_timeout_s=policy.idle_timeout_s,
            max_lifetime_s=policy.max_lifetime_s,
            retention_days=policy.retention_days,
            allow_extend=policy.allow_extend,
            settings={},
            created_at=at,
        )
        row = (await self._ex.execute(stmt.returning(*t.c))).one()
        return _tenant(row)

    async def get(self, pk: int) -> Tenant | None:
        row = (await self._ex.execute(_BY_PK, {"pk": pk})).first()
        return None if row is None else _tenant(row)

    async def by_name(self, name: str) -> Tenant | None:
        return await self._one(t.c.name == name)

    async def by_id(self, id: str) -> Tenant | None:
        return await self._one(t.c.id == id)

    async def list(self) -> list[Tenant]:
        rows = await self._ex.execute(select(t).order_by(t.c.pk))
        return [_tenant(r) for r in rows]

    async def update_policy(self, pk: int, policy: TenantPolicy) -> None:
        await self._ex.execute(
            update(t)
            .where(t.c.pk == pk)
            .values(
                idle_timeout_s=policy.idle_timeout_s,
                max_lifetime_s=policy.max_lifetime_s,
                retention_days=policy.retention_days,
                allow_extend=policy.allow_extend,
            )
        )

    async def update_settings(self, pk: int, settings: dict[str, Any]) -> None:
        await self._ex.execute(update(t).where(t.c.pk == pk).values(settings=settings))

    async def _one(self, where: Any) -> Tenant | None:
        row = (await self._ex.execute(select(t).where(where))).first()
        return None if row is None else _tenant(row)
