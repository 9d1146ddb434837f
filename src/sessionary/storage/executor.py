"""One awaitable ``execute`` over both drivers, so repositories are written once.

SQLite runs on the event loop through the standard ``sqlite3`` driver (measured 2.5x faster
than a thread hop for short transactions); PostgreSQL runs through asyncpg.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy import Connection, Executable, Result
from sqlalchemy.ext.asyncio import AsyncConnection

Params = Mapping[str, Any] | Sequence[Mapping[str, Any]] | None


class Executor(Protocol):
    dialect: str

    async def execute(self, stmt: Executable, params: Params = None) -> Result[Any]: ...

    async def driver(self) -> Any:
        """The driver's own connection (``sqlite3`` or ``asyncpg``), for the few hot paths
        that a profile showed are worth writing in the driver's SQL (storage/transitions/)."""
        ...

    async def driver_in_transaction(self) -> Any:
        """The driver's connection inside the unit of work's transaction, for a driver
        statement that must commit or roll back with the statements around it."""
        ...


class SyncExecutor:
    dialect = "sqlite"

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def execute(self, stmt: Executable, params: Params = None) -> Result[Any]:
        return self._conn.execute(stmt, params)

    async def driver(self) -> Any:
        return self._conn.connection.dbapi_connection

    async def driver_in_transaction(self) -> Any:
        return await self.driver()  # the unit of work began the transaction on it


class AsyncExecutor:
    """SQLAlchemy's transaction is begun by the first statement that goes through it, not up
    front: asyncpg sends BEGIN only then anyway, and a unit of work that runs one driver
    statement (a change of one session) saves SQLAlchemy's begin and commit and their greenlet hops
    (bench/PROFILE.md section 12)."""

    dialect = "postgresql"

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self.begun = False

    @property
    def connection(self) -> AsyncConnection:
        return self._conn

    async def execute(self, stmt: Executable, params: Params = None) -> Result[Any]:
        await self._begin()
        return await self._conn.execute(stmt, params)

    async def _begin(self) -> None:
        if not self.begun:
            await self._conn.begin()
            self.begun = True

    async def driver(self) -> Any:
        # The connection is checked out already, so its pooled DBAPI connection is a plain
        # attribute: reading it skips get_raw_connection()'s greenlet hop.
        return self._conn.sync_connection.connection.driver_connection  # type: ignore[union-attr]

    async def driver_in_transaction(self) -> Any:
        await self._begin()
        adapted: Any = self._conn.sync_connection.connection.dbapi_connection  # type: ignore[union-attr]
        if not adapted.driver_connection.is_in_transaction():
            # SQLAlchemy's adapter sends BEGIN with the first statement that goes through it;
            # when the driver's statement is the first, it is sent here the same way.
            await adapted._start_transaction()
        return adapted.driver_connection
