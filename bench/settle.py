"""Settle a database between benchmark phases, so a phase is not billed for the background work
the phase before it left behind (bench/README.md, "Phases start settled").

PostgreSQL: a CHECKPOINT (the dirty buffers and WAL of the last phase), then a bounded wait
for autovacuum workers still running on the database. SQLite: a TRUNCATE checkpoint, which
copies the WAL into the database file and empties it. Each phase still pays for the
checkpoints, vacuums and WAL its own writes cause while it runs."""

from __future__ import annotations

import asyncio
import sqlite3
import time

import asyncpg

AUTOVACUUM_WAIT_S = 20.0
SQLITE_BUSY_MS = 10_000


def settle(url: str) -> float:
    """Settle the database at ``url``; the seconds it took."""
    started = time.monotonic()
    if url.startswith("sqlite:///"):
        _settle_sqlite(url.removeprefix("sqlite:///"))
    else:
        asyncio.run(_settle_postgres(url))
    return time.monotonic() - started


def _settle_sqlite(path: str) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        conn.close()


async def _settle_postgres(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("CHECKPOINT")
        deadline = time.monotonic() + AUTOVACUUM_WAIT_S
        while time.monotonic() < deadline:
            if not await _autovacuums(conn):
                break
            await asyncio.sleep(0.2)
    finally:
        await conn.close()


async def _autovacuums(conn: asyncpg.Connection) -> int:
    sql = (
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE backend_type = 'autovacuum worker' AND datname = current_database()"
    )
    return int(await conn.fetchval(sql))
