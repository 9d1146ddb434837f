"""The session repository's hot paths in the driver's own SQL, chosen by profile
(bench/PROFILE.md): the common case of open, close, delete, extend and append in one step
(hot.py, hot_delete.py, hot_extend.py, hot_append.py), and the read of one session
(hot_read.py). Each one-step path returns None, having changed nothing, when its case does not
apply; the service then takes the general path, which decides and reports it."""

from __future__ import annotations

from collections.abc import Sequence

from ...domain.model import Actor, Micros, NewEvent
from ...domain.ports import PlainOpen
from ...domain.session import CloseReason, Session
from ..executor import Executor
from . import hot, hot_append, hot_delete, hot_extend, hot_read
from .session_rows import session_of


class OneStepPaths:
    _ex: Executor

    async def read(self, tenant_pk: int, id: str) -> Session | None:
        """``get`` in the driver's SQL (repositories/hot_read.py), for read-only units of work:
        on PostgreSQL it runs outside any transaction the unit of work may have begun."""
        row = await hot_read.read_one(self._ex, tenant_pk, id)
        return None if row is None else session_of(row)

    async def open_plain(self, req: PlainOpen, now: Micros, actor: Actor) -> Session | None:
        """Open in one step when nothing but the tenant's policy decides (repositories/hot.py)."""
        conn = await self._ex.driver()
        if self._ex.dialect == "postgresql":
            row = await hot.open_plain_postgres(conn, req, now, actor)
        else:
            row = hot.open_plain_sqlite(conn, req, now, actor)
        return None if row is None else session_of(row)

    async def close_live(
        self,
        tenant_pk: int,
        id: str,
        now: Micros,
        reason: CloseReason,
        dialect: str | None,
        actor: Actor,
    ) -> Session | None:
        """Close a live, not-due session with its lifecycle record, key revocation and audit
        entry in one step (repositories/hot.py)."""
        row = await hot.close_live(self._ex, tenant_pk, id, now, reason.value, dialect, actor)
        return None if row is None else session_of(row)

    async def delete_live(
        self, tenant_pk: int, id: str, now: Micros, dialect: str | None, actor: Actor
    ) -> Session | None:
        """Delete a live, not-due session with its record, key revocation, events and audit
        entry in one step (repositories/hot_delete.py)."""
        row = await hot_delete.delete_live(self._ex, tenant_pk, id, now, dialect, actor)
        return None if row is None else session_of(row)

    async def extend_live(
        self,
        tenant_pk: int,
        id: str,
        now: Micros,
        ttl_s: int | None,
        dialect: str | None,
        actor: Actor,
    ) -> Session | None:
        """Extend a live, not-due session of a tenant that allows it, with its lifecycle record
        and audit entry, in one step (repositories/hot_extend.py)."""
        row = await hot_extend.extend_live(self._ex, tenant_pk, id, now, ttl_s, dialect, actor)
        return None if row is None else session_of(row)

    async def append_plain(
        self,
        tenant_pk: int,
        id: str,
        batch: Sequence[NewEvent],
        now: Micros,
        dialect: str | None,
    ) -> Session | None:
        """Events without dedupe keys added to a live, not-due session, with its activity, in
        one step (repositories/hot_append.py)."""
        row = await hot_append.append_plain(self._ex, tenant_pk, id, batch, now, dialect)
        return None if row is None else session_of(row)
