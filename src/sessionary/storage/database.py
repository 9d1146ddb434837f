"""Engines and units of work for SQLite and PostgreSQL.

Driver errors are translated into the project's own at this boundary (httpx style): callers see
``StorageUnavailable``, a domain ``Conflict`` or, for a value the database refuses (out of range,
too long, text it cannot store), the caller's ``InvalidInput``; never a SQLAlchemy exception.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import asyncpg
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import StaticPool

from ..domain.errors import Conflict
from ..domain.ports import PoolUse
from .checkpointer import RESTART_BYTES, WalCheckpointer
from .errors import StorageUnavailable as StorageUnavailable
from .errors import refused_input, sqlite_errors, unavailable_reason
from .executor import AsyncExecutor, Executor, SyncExecutor
from .migrate import verdict_on
from .pg_engine import pg_engine
from .pgurl import connect_kwargs
from .probes import postgres_write_problem, sealed_samples, sqlite_write_problem
from .repositories import build_repositories
from .schema_compat import Verdict
from .sqlite_writer import begin_immediate


class SqlUnitOfWork:
    """Repositories over one transaction. Repositories never commit; the use case does."""

    def __init__(
        self,
        enter: Callable[[], Awaitable[Executor]],
        finish: Callable[[bool], Awaitable[None]],
    ) -> None:
        self._enter = enter
        self._finish = finish
        self._done = False

    async def __aenter__(self) -> Self:
        try:
            executor = await self._enter()
        except DBAPIError as exc:
            raise StorageUnavailable(str(exc.orig)) from exc
        except TimeoutError as exc:
            raise StorageUnavailable("the database did not answer in time") from exc
        for name, repo in build_repositories(executor).items():
            setattr(self, name, repo)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self._done:
            try:
                await self._end(commit=False)
            except StorageUnavailable:
                if exc is None:
                    raise
            except (DBAPIError, TimeoutError) as failed:
                if exc is None:
                    raise StorageUnavailable(type(failed).__name__) from failed
        if isinstance(exc, TimeoutError):  # a statement ran past the database timeout
            raise StorageUnavailable("the database did not answer in time") from exc
        if isinstance(exc, IntegrityError):
            raise Conflict("the change conflicts with stored data") from exc
        # sqlite3 raises OverflowError while binding, which SQLAlchemy passes on unwrapped.
        if isinstance(exc, DBAPIError | OverflowError):
            refused = refused_input(exc)
            if refused is not None:
                raise refused from exc
        if isinstance(exc, DBAPIError):
            raise StorageUnavailable(unavailable_reason(exc.orig or exc)) from exc

    async def commit(self) -> None:
        try:
            await self._end(commit=True)
        except TimeoutError as exc:
            raise StorageUnavailable("the database did not answer in time") from exc

    async def rollback(self) -> None:
        await self._end(commit=False)

    async def _end(self, commit: bool) -> None:
        if self._done:
            return
        self._done = True
        await self._finish(commit)

    def __getattr__(self, name: str) -> Any:  # repositories are set in __aenter__
        raise AttributeError(f"unit of work not entered: {name}")


class Database(ABC):
    dialect: str
    traced = False  # statements are traced (storage/tracing.py)

    @property
    @abstractmethod
    def sync_engine(self) -> Engine:
        """The engine whose events see every statement (tracing)."""

    @abstractmethod
    def unit_of_work(self, *, write: bool = True) -> SqlUnitOfWork: ...

    @abstractmethod
    async def ping(self) -> bool: ...

    @abstractmethod
    def pool_use(self) -> PoolUse: ...

    @abstractmethod
    async def dispose(self) -> None: ...

    @abstractmethod
    async def write_problem(self, min_free_bytes: int) -> str | None:
        """Why a new connection could not write now (read-only, standby, disk full), or
        None. Not for request paths: it opens a connection of its own."""

    @abstractmethod
    async def schema_problem(self) -> tuple[bool, str | None]:
        """Whether this code serves the database's schema, and what to say about it (why
        not; or that it is ahead and compatible). Raises when the database does not answer."""

    @abstractmethod
    async def sealed_samples(self, limit: int = 20) -> list[bytes]:
        """A sample of the sealed values stored, to check the key against at start."""

    @abstractmethod
    async def refresh_statistics(self) -> None:
        """Bring the query planner's statistics up to date where the database does not do it
        by itself."""


# What the WAL file is cut back to when a writer starts it over. Twice the length at which the
# checkpoint thread has it started over (RESTART_BYTES), so the cut, which happens inside a
# COMMIT on the event loop, normally never has anything to do.
WAL_SIZE_LIMIT = 2 * RESTART_BYTES


def _verdict_of_file(path: str) -> Verdict:
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)) as raw:
        engine = create_engine("sqlite://", creator=lambda: raw, poolclass=StaticPool)
        with engine.connect() as conn:
            return verdict_on(conn)


class SqliteDatabase(Database):
    """One connection per process, used on the event loop; an asyncio lock serialises
    transactions in-process and ``BEGIN IMMEDIATE`` serialises writers across processes."""

    dialect = "sqlite"

    def __init__(self, url: str, *, synchronous: str = "NORMAL", busy_timeout_ms: int = 5000):
        path = make_url(url).database
        self._path = path if path and path != ":memory:" else None
        self._checkpointer: WalCheckpointer | None = None
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            self._checkpointer = WalCheckpointer(path)
        self._engine = create_engine(
            url,
            isolation_level="AUTOCOMMIT",
            poolclass=StaticPool,
            connect_args={"check_same_thread": False},
        )
        pragmas = (
            "PRAGMA journal_mode=WAL",
            "PRAGMA foreign_keys=ON",
            "PRAGMA busy_timeout=0",  # lock waits are asyncio sleeps (sqlite_writer.py)
            f"PRAGMA synchronous={synchronous}",
            # Checkpoints run in WalCheckpointer's thread, not inside a COMMIT on the loop.
            "PRAGMA wal_autocheckpoint=0",
            f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}",
        )

        @event.listens_for(self._engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            for pragma in pragmas:
                cursor.execute(pragma)
            cursor.close()

        self._busy_timeout_s = busy_timeout_ms / 1000
        self._conn: Connection | None = None
        self._lock: asyncio.Lock | None = None
        self._lock_loop: asyncio.AbstractEventLoop | None = None
        self._waiting = 0  # units of work queued for the one connection (the writer queue)

    def _connection(self) -> Connection:
        if self._conn is None:
            self._conn = self._engine.connect()
            if self._checkpointer is not None:
                self._checkpointer.start()
        return self._conn

    def _driver(self) -> sqlite3.Connection:
        raw = self._connection().connection.dbapi_connection
        assert isinstance(raw, sqlite3.Connection)
        return raw

    def _get_lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if self._lock is None or self._lock_loop is not loop:
            self._lock, self._lock_loop = asyncio.Lock(), loop
        return self._lock

    def unit_of_work(self, *, write: bool = True) -> SqlUnitOfWork:
        """BEGIN and COMMIT go to the driver's connection directly: through SQLAlchemy they
        cost 10.7 us a pair instead of 3.9 (bench/PROFILE.md section 14). SQLAlchemy's
        connection is in autocommit mode and never opens a transaction of its own."""

        async def enter() -> Executor:
            self._waiting += 1
            try:
                await self._get_lock().acquire()
            finally:
                self._waiting -= 1
            try:
                conn, raw = self._connection(), self._driver()
                with sqlite_errors():
                    if write:
                        await begin_immediate(raw, self._busy_timeout_s)
                    else:
                        raw.execute("BEGIN")
            except BaseException:
                self._get_lock().release()
                raise
            return SyncExecutor(conn)

        async def finish(commit: bool) -> None:
            raw = self._driver()
            try:
                with sqlite_errors():
                    try:
                        raw.execute("COMMIT" if commit else "ROLLBACK")
                    finally:
                        if raw.in_transaction:  # a refused COMMIT leaves it open
                            raw.execute("ROLLBACK")  # never leave the shared connection open
            finally:
                self._get_lock().release()

        return SqlUnitOfWork(enter, finish)

    @property
    def sync_engine(self) -> Engine:
        return self._engine

    def pool_use(self) -> PoolUse:
        busy = int(self._lock is not None and self._lock.locked())
        return PoolUse(size=1, checked_out=busy, overflow=0, waiting=self._waiting)

    async def ping(self) -> bool:
        try:
            async with self._get_lock():
                return self._connection().exec_driver_sql("SELECT 1").scalar() == 1
        except DBAPIError:
            return False

    async def write_problem(self, min_free_bytes: int) -> str | None:
        if self._path is None:
            return None
        return await asyncio.to_thread(sqlite_write_problem, self._path, min_free_bytes)

    async def schema_problem(self) -> tuple[bool, str | None]:
        if self._path is None:  # in memory: only the shared connection sees it
            async with self._get_lock():
                verdict = verdict_on(self._connection())
        else:  # a connection of its own: the shared one may wait on another writer's lock
            verdict = await asyncio.to_thread(_verdict_of_file, self._path)
        return verdict.serves, verdict.message

    async def sealed_samples(self, limit: int = 20) -> list[bytes]:
        async with self.unit_of_work(write=False):
            return await sealed_samples(SyncExecutor(self._connection()), limit)

    async def refresh_statistics(self) -> None:
        """``PRAGMA optimize`` re-analyses the tables that grew many-fold since their last
        ANALYZE, which SQLite never does by itself; ``analysis_limit`` bounds each index's
        scan, so this stays in the milliseconds on a large file while it holds the loop."""
        async with self.unit_of_work() as uow:  # ANALYZE writes sqlite_stat1
            conn = self._connection()
            conn.exec_driver_sql("PRAGMA analysis_limit=1000")
            conn.exec_driver_sql("PRAGMA optimize")
            await uow.commit()

    async def dispose(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._checkpointer is not None:
            await asyncio.to_thread(self._checkpointer.stop)
        self._engine.dispose()


class PostgresDatabase(Database):
    """asyncpg pool without the per-release reset: every unit of work ends in COMMIT or
    ROLLBACK, so connections come back clean (measured +25-60 % on single-row updates)."""

    dialect = "postgresql"

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 20,
        max_overflow: int = 0,
        timeout_s: float = 5.0,
        statement_cache: bool = True,
    ) -> None:
        self._connect = connect_kwargs(url)
        self._timeout_s = timeout_s
        # One timeout bounds the connect, the wait for a pooled connection and every statement,
        # so a database that is down or frozen turns into a fast 503, never a hung request.
        self._engine: AsyncEngine = pg_engine(
            url,
            statement_cache=statement_cache,
            timeout_s=timeout_s,
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_reset_on_return=None,
            pool_pre_ping=False,
            pool_timeout=timeout_s,
        )
        # Reads run without BEGIN and COMMIT: under READ COMMITTED every statement takes its
        # own snapshot inside a transaction too, so a read-only unit of work sees the same
        # thing, two round trips sooner. Same pool; autocommit is a client-side flag.
        self._reader: AsyncEngine = self._engine.execution_options(isolation_level="AUTOCOMMIT")
        self._waiting = 0  # units of work waiting for a pooled connection (or opening one)

    def unit_of_work(self, *, write: bool = True) -> SqlUnitOfWork:
        holder: dict[str, AsyncExecutor] = {}
        engine = self._engine if write else self._reader

        async def enter() -> Executor:
            self._waiting += 1
            try:
                conn = await engine.connect()
            except (TimeoutError, PoolTimeout, OSError) as exc:
                raise StorageUnavailable(str(exc)) from exc
            finally:
                self._waiting -= 1
            holder["ex"] = executor = AsyncExecutor(conn)
            return executor

        async def finish(commit: bool) -> None:
            executor = holder.pop("ex")
            conn = executor.connection
            try:
                if executor.begun:  # else nothing went through SQLAlchemy's transaction
                    await (conn.commit() if commit else conn.rollback())
            finally:
                # asyncpg_errors closes the driver's connection behind SQLAlchemy's back; the
                # pool would hand it out again, to fail the next statement the same way.
                if not conn.invalidated and (await executor.driver()).is_closed():
                    await conn.invalidate()
                await conn.close()

        return SqlUnitOfWork(enter, finish)

    @property
    def sync_engine(self) -> Engine:
        return self._engine.sync_engine

    def pool_use(self) -> PoolUse:
        pool: Any = self._engine.pool  # QueuePool; overflow() is negative until the pool fills
        return PoolUse(pool.size(), pool.checkedout(), max(0, pool.overflow()), self._waiting)

    async def ping(self) -> bool:
        try:
            async with self._engine.connect() as conn:
                value = (await conn.execute(text("SELECT 1"))).scalar()
        except (TimeoutError, PoolTimeout, OSError, DBAPIError):
            return False
        return value == 1

    async def write_problem(self, min_free_bytes: int) -> str | None:
        try:
            return await postgres_write_problem(self._connect, self._timeout_s)
        except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            return f"a new connection failed: {type(exc).__name__}"

    async def schema_problem(self) -> tuple[bool, str | None]:
        async with self._engine.connect() as conn:
            verdict = await conn.run_sync(verdict_on)
        return verdict.serves, verdict.message

    async def sealed_samples(self, limit: int = 20) -> list[bytes]:
        async with self._reader.connect() as conn:
            return await sealed_samples(AsyncExecutor(conn), limit)

    async def refresh_statistics(self) -> None:
        """Nothing to do: autovacuum analyses tables as they change."""

    async def dispose(self) -> None:
        await self._engine.dispose()


def to_asyncpg_url(url: str) -> str:
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise ValueError(f"not a PostgreSQL URL: {url.split('@')[-1]}")


def open_database(url: str, **options: Any) -> Database:
    if url.startswith("sqlite"):
        return SqliteDatabase(url, **options)
    return PostgresDatabase(url, **options)
