"""One way to write an audit entry, so every use case records the same shape."""

from __future__ import annotations

from typing import Any

from ..domain.model import Actor, AuditEntry, Micros
from ..domain.ports import UnitOfWork, UnitOfWorkFactory


async def record(
    uow: UnitOfWork,
    tenant_pk: int | None,
    actor: Actor,
    action: str,
    target: str,
    at: Micros,
    **detail: Any,
) -> None:
    await uow.audit.add(AuditEntry(tenant_pk, actor, action, target, at, detail))


class AuditLog:
    """Reading the audit trail: who changed what, with which request."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def page(
        self, tenant_pk: int, before_id: int | None, limit: int
    ) -> tuple[list[AuditEntry], int | None]:
        async with self._uow(write=False) as uow:
            rows = await uow.audit.list(tenant_pk, limit + 1, before_id)
            await uow.commit()
        items = rows[:limit]
        return items, (items[-1].id if len(rows) > limit and items else None)
