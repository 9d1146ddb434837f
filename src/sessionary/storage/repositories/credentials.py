from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, bindparam, delete, func, insert, select, update

from ...domain.model import Credential, Micros
from .. import driver_reads
from ..executor import Executor
from ..tables import credentials as c


def _credential(row: Any) -> Credential:
    return Credential(
        pk=row.pk,
        id=row.id,
        tenant_pk=row.tenant_pk,
        name=row.name,
        prefix=row.prefix,
        digest=row.digest,
        scopes=tuple(row.scopes.split()),
        kind=row.kind,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
        bound_session_pk=row.bound_session_pk,
        attributes=dict(row.attributes),
    )


_BY_DIGEST = select(c).where(c.c.digest == bindparam("digest"))
# Every Pagos request checks its client by id (uncached, so a revocation is immediate).
_BY_ID = select(c).where(
    (c.c.id == bindparam("id")) & c.c.tenant_pk.is_not_distinct_from(bindparam("tenant_pk"))
)
# Spent dialect credentials: a dialect issued them bound to a session or with an expiry
# (session keys, game tokens, bearer tokens). Native keys and long-lived dialect keys
# (clients, partners, project keys) are never purged: they are the audit trail's actors.
_EPHEMERAL = (c.c.kind != "native") & (
    c.c.bound_session_pk.is_not(None) | c.c.expires_at.is_not(None)
)


def _purge_batch(dead_before: ColumnElement[bool], limit: int) -> Any:
    """One bounded DELETE. On PostgreSQL the batch skips rows another node is deleting, so
    concurrent sweepers neither wait for nor fail on each other; SQLite writes one at a time."""
    batch = (
        select(c.c.pk)
        .where(dead_before & _EPHEMERAL)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    return delete(c).where(c.c.pk.in_(batch))


class SqlCredentialRepository:
    def __init__(self, ex: Executor) -> None:
        self._ex = ex

    async def add(self, credential: Credential) -> Credential:
        values = {
            "id": credential.id,
            "tenant_pk": credential.tenant_pk,
            "name": credential.name,
            "prefix": credential.prefix,
            "digest": credential.digest,
            "scopes": " ".join(credential.scopes),
            "kind": credential.kind,
            "attributes": credential.attributes,
            "created_at": credential.created_at,
            "expires_at": credential.expires_at,
            "bound_session_pk": credential.bound_session_pk,
        }
        row = (await self._ex.execute(insert(c).values(values).returning(*c.c))).one()
        return _credential(row)

    async def by_digest(self, digest: str) -> Credential | None:
        row = (await self._ex.execute(_BY_DIGEST, {"digest": digest})).first()
        return None if row is None else _credential(row)

    async def by_id(self, tenant_pk: int | None, id: str) -> Credential | None:
        params = {"id": id, "tenant_pk": tenant_pk}
        row = await driver_reads.first(self._ex, _BY_ID, params, ("attributes",))
        return None if row is None else _credential(row)

    async def list(self, tenant_pk: int | None) -> list[Credential]:
        stmt = select(c).where(c.c.tenant_pk.is_not_distinct_from(tenant_pk)).order_by(c.c.pk)
        return [_credential(r) for r in await self._ex.execute(stmt)]

    async def revoke(self, pk: int, at: Micros) -> None:
        stmt = update(c).where((c.c.pk == pk) & c.c.revoked_at.is_(None)).values(revoked_at=at)
        await self._ex.execute(stmt)

    async def mark_used(self, pk: int, at: Micros) -> None:
        await self._ex.execute(update(c).where(c.c.pk == pk).values(last_used_at=at))

    async def count_live(self, tenant_pk: int, kind: str) -> int:
        stmt = (
            select(func.count())
            .select_from(c)
            .where((c.c.tenant_pk == tenant_pk) & (c.c.kind == kind) & c.c.revoked_at.is_(None))
        )
        return int((await self._ex.execute(stmt)).scalar_one())

    async def any_system(self) -> bool:
        stmt = select(c.c.pk).where(c.c.tenant_pk.is_(None) & c.c.revoked_at.is_(None)).limit(1)
        return (await self._ex.execute(stmt)).first() is not None

    async def trim_named(self, tenant_pk: int, kind: str, name: str, keep: int) -> int:
        """Delete all but the newest ``keep`` credentials of this kind and name. Rows another
        transaction holds are skipped (trimmed next time) rather than waited for."""
        older = (
            select(c.c.pk)
            .where((c.c.tenant_pk == tenant_pk) & (c.c.kind == kind) & (c.c.name == name))
            .order_by(c.c.pk.desc())
            .offset(keep)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        result = await self._ex.execute(delete(c).where(c.c.pk.in_(older)))
        return int(getattr(result, "rowcount", 0) or 0)

    async def purge_revoked_before(self, before: Micros, limit: int) -> int:
        """Spent credentials revoked before ``before`` (ended sessions' keys), one batch."""
        stmt = _purge_batch(c.c.revoked_at < before, limit)
        return int(getattr(await self._ex.execute(stmt), "rowcount", 0) or 0)

    async def purge_expired_before(self, before: Micros, limit: int) -> int:
        """Spent credentials that expired before ``before`` (bearer tokens), one batch."""
        stmt = _purge_batch(c.c.expires_at < before, limit)
        return int(getattr(await self._ex.execute(stmt), "rowcount", 0) or 0)
