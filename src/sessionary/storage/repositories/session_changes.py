"""The session repository's write path: every change of a session runs the statements built
from its transition's one definition (storage/transitions/), and the read of one session runs
in the driver's own SQL (a profile showed SQLAlchemy's cost there, bench/PROFILE.md)."""

from __future__ import annotations

from collections.abc import Sequence

from ...domain.changes import Change, Changed, Opening
from ...domain.model import NewEvent
from ...domain.session import Session
from ..executor import Executor
from ..rows import session_of
from ..transitions import opening, run
from . import hot_read


class SessionChanges:
    _ex: Executor

    async def read(self, tenant_pk: int, id: str) -> Session | None:
        """``get`` for read-only units of work: on PostgreSQL it runs outside any transaction
        the unit of work may have begun."""
        row = await hot_read.read_one(self._ex, tenant_pk, id)
        return None if row is None else session_of(row)

    async def open(self, req: Opening) -> Session | None:
        conn = await self._ex.driver()
        if self._ex.dialect == "postgresql":
            row = await opening.open_postgres(conn, req)
        else:
            row = opening.open_sqlite(conn, req)
        return None if row is None else session_of(row)

    async def change(self, change: Change) -> Changed:
        return await run.apply(self._ex, change)

    async def append(self, change: Change, batch: Sequence[NewEvent]) -> Changed:
        """``change`` is a touch; the batch's events are numbered from the row it changed."""
        return await run.apply(self._ex, change, batch)
