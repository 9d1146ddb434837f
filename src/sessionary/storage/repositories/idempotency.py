from __future__ import annotations

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ...domain.model import Micros
from ...domain.ports import StoredResponse
from ..executor import Executor
from ..tables import idempotency as i


class SqlIdempotencyRepository:
    def __init__(self, ex: Executor) -> None:
        self._ex = ex

    async def claim(
        self, scope_key: str, request_hash: str, at: Micros, stale_before: Micros
    ) -> StoredResponse | None:
        """Return the stored entry, or claim the key (and return None) when there is none.

        A claim that never completed (the process died mid-request) goes stale and may be
        taken over, so a crash cannot block a key forever."""
        insert = pg_insert if self._ex.dialect == "postgresql" else sqlite_insert
        values = {"scope_key": scope_key, "request_hash": request_hash, "created_at": at}
        claim = insert(i).values(values).on_conflict_do_nothing().returning(i.c.scope_key)
        if (await self._ex.execute(claim)).first() is not None:
            return None  # claimed; concurrent claimers see the row and hear "in progress"
        row = (await self._ex.execute(select(i).where(i.c.scope_key == scope_key))).one()
        if row.status is None and row.created_at < stale_before:
            stmt = update(i).where(i.c.scope_key == scope_key)
            await self._ex.execute(stmt.values(request_hash=request_hash, created_at=at))
            return None
        return StoredResponse(row.request_hash, row.status, row.body, row.created_at)

    async def complete(self, scope_key: str, claimed_at: Micros, status: int, body: bytes) -> None:
        stmt = update(i).where(*_still_mine(scope_key, claimed_at))
        await self._ex.execute(stmt.values(status=status, body=body))

    async def release(self, scope_key: str, claimed_at: Micros) -> None:
        await self._ex.execute(delete(i).where(*_still_mine(scope_key, claimed_at)))

    async def purge(self, before: Micros) -> int:
        result = await self._ex.execute(delete(i).where(i.c.created_at < before))
        return int(getattr(result, "rowcount", 0) or 0)


def _still_mine(scope_key: str, claimed_at: Micros) -> tuple[ColumnElement[bool], ...]:
    """The claim made at ``claimed_at``, not yet completed: a request that outlived its claim
    (taken over once stale) neither overwrites nor drops the claim of the one that took it."""
    return (i.c.scope_key == scope_key, i.c.created_at == claimed_at, i.c.status.is_(None))
