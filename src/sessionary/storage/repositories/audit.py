from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select

from ...domain import limits
from ...domain.model import Actor, AuditEntry
from ..executor import Executor
from ..tables import audit as a
from ..tables import credentials as cred


def _entry(row: Any) -> AuditEntry:
    actor = Actor(credential_pk=row.credential_pk, request_id=row.request_id, label=row.actor)
    return AuditEntry(
        row.tenant_pk,
        actor,
        row.action,
        row.target,
        row.at,
        dict(row.detail),
        row.id,
        row.credential_id,
    )


_INSERT = insert(a)


class SqlAuditRepository:
    def __init__(self, ex: Executor) -> None:
        self._ex = ex

    async def add(self, entry: AuditEntry) -> None:
        values = {
            "tenant_pk": entry.tenant_pk,
            "credential_pk": entry.actor.credential_pk,
            "actor": entry.actor.label,
            "action": entry.action,
            "target": entry.target[: limits.AUDIT_TARGET],
            "request_id": entry.actor.request_id,
            "at": entry.at,
            "detail": entry.detail,
        }
        await self._ex.execute(_INSERT, values)

    async def list(
        self, tenant_pk: int | None, limit: int, before_id: int | None = None
    ) -> list[AuditEntry]:
        """Newest first, with the public id of the credential that acted."""
        joined = a.outerjoin(cred, cred.c.pk == a.c.credential_pk)
        stmt = select(a, cred.c.id.label("credential_id")).select_from(joined)
        stmt = stmt.where(a.c.tenant_pk.is_not_distinct_from(tenant_pk))
        if before_id is not None:
            stmt = stmt.where(a.c.id < before_id)
        rows = await self._ex.execute(stmt.order_by(a.c.id.desc()).limit(limit))
        return [_entry(r) for r in rows]
