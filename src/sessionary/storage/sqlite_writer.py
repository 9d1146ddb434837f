"""Taking SQLite's write lock without stopping the event loop.

SQLite's own busy handler waits for a lock by sleeping in the calling thread (1, 2, 5, 10, 15,
20, 25 ... 100 ms between tries). The server's connection runs on the event loop, so every such
sleep stopped every request of the worker: behind another worker's transaction, a CLI command,
or the checkpoint thread's RESTART (storage/checkpointer.py). The connection is therefore opened
with ``busy_timeout=0`` and ``BEGIN IMMEDIATE`` is retried here, with short asyncio sleeps in
between, up to the configured busy timeout. Once it succeeds the transaction holds the write
lock, so no later statement of it waits for a lock (WAL mode)."""

from __future__ import annotations

import asyncio
import sqlite3

from sqlalchemy.exc import OperationalError

FIRST_RETRY_S = 0.0005
LONGEST_RETRY_S = 0.004


def is_busy(exc: BaseException) -> bool:
    """SQLITE_BUSY and its extended codes: another connection holds the lock."""
    orig = exc.orig if isinstance(exc, OperationalError) else exc
    code = getattr(orig, "sqlite_errorcode", None)
    return code is not None and code & 0xFF == sqlite3.SQLITE_BUSY


async def begin_immediate(raw: sqlite3.Connection, timeout_s: float) -> None:
    """``BEGIN IMMEDIATE`` on the driver's connection, waiting up to ``timeout_s`` for the
    write lock without blocking the loop; raises sqlite3's OperationalError (database is
    locked) once the time is up."""
    loop = asyncio.get_running_loop()
    deadline: float | None = None
    delay = FIRST_RETRY_S
    while True:
        try:
            raw.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
            now = loop.time()
            deadline = now + timeout_s if deadline is None else deadline
            if now >= deadline:
                raise
        await asyncio.sleep(delay)
        delay = min(delay * 2, LONGEST_RETRY_S)
