"""Database helpers for the drain tests: hold the write lock a request will wait on, and
count rows afterwards, on SQLite (a file) or PostgreSQL (a DSN)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager

import asyncpg

LOCK_S = 60  # the most a test holds the lock, even if it fails half-way


@contextmanager
def writes_blocked(database_url: str) -> Iterator[None]:
    """While inside, a request that writes a session waits (it is in flight, not failed)."""
    if database_url.startswith("sqlite:///"):
        with closing(sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=30)) as db:
            db.isolation_level = None
            db.execute("BEGIN IMMEDIATE")
            try:
                yield
            finally:
                db.execute("ROLLBACK")
        return
    locked, release = threading.Event(), threading.Event()

    async def hold() -> None:
        conn = await asyncpg.connect(database_url)
        try:
            async with conn.transaction():
                await conn.execute("LOCK TABLE sessions IN EXCLUSIVE MODE")  # reads go on
                locked.set()
                await asyncio.to_thread(release.wait, LOCK_S)
        finally:
            await conn.close()

    holder = threading.Thread(target=asyncio.run, args=(hold(),), daemon=True)
    holder.start()
    assert locked.wait(30), "could not lock the sessions table"
    try:
        yield
    finally:
        release.set()
        holder.join(30)


def row_count(database_url: str, table: str, public_id: str) -> int:
    query = f"SELECT count(*) FROM {table} WHERE id = "  # a table name of ours
    if database_url.startswith("sqlite:///"):
        with closing(sqlite3.connect(database_url.removeprefix("sqlite:///"))) as db:
            return int(db.execute(query + "?", (public_id,)).fetchone()[0])

    async def count() -> int:
        conn = await asyncpg.connect(database_url)
        try:
            return int(await conn.fetchval(query + "$1", public_id))
        finally:
            await conn.close()

    return asyncio.run(count())
