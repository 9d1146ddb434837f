from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, insert, select

from ...domain.model import Event
from ..executor import Executor
from ..tables import events as e


def _event(row: Any) -> Event:
    return Event(
        row.session_pk,
        row.seq,
        row.type,
        row.occurred_at,
        row.recorded_at,
        row.dedupe_key,
        row.payload,
    )


class SqlEventRepository:
    def __init__(self, ex: Executor) -> None:
        self._ex = ex

    async def existing_keys(self, session_pk: int, keys: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(keys), 500):  # stay under bound-parameter limits
            chunk = keys[start : start + 500]
            stmt = select(e.c.dedupe_key).where(
                (e.c.session_pk == session_pk) & e.c.dedupe_key.in_(chunk)
            )
            found.update(r[0] for r in await self._ex.execute(stmt))
        return found

    async def add_many(self, tenant_pk: int, events: Sequence[Event]) -> None:
        if not events:
            return
        rows = [
            {
                "session_pk": ev.session_pk,
                "seq": ev.seq,
                "tenant_pk": tenant_pk,
                "type": ev.type,
                "occurred_at": ev.occurred_at,
                "recorded_at": ev.recorded_at,
                "dedupe_key": ev.dedupe_key,
                "payload": ev.payload,
            }
            for ev in events
        ]
        await self._ex.execute(insert(e), rows)

    async def list(
        self, session_pk: int, after_seq: int, to_seq: int | None, limit: int
    ) -> list[Event]:
        stmt = select(e).where((e.c.session_pk == session_pk) & (e.c.seq > after_seq))
        if to_seq is not None:
            stmt = stmt.where(e.c.seq <= to_seq)
        rows = await self._ex.execute(stmt.order_by(e.c.seq).limit(limit))
        return [_event(r) for r in rows]

    async def delete_for_session(self, session_pk: int) -> None:
        await self._ex.execute(delete(e).where(e.c.session_pk == session_pk))
