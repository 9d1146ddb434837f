"""One way to write an audit entry, so every use case records the same shape."""

from __future__ import annotations

from typing import Any

from ..domain.model import Actor, AuditEntry, Micros
from ..domain.ports import UnitOfWork


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
