"""Checks outside the request paths: sealed values to try at start, and whether the database
still takes writes (for /readyz).

Whether writes work is asked of a fresh connection each time: the server's own connections
were opened while the database was writable and keep their rights (an open SQLite file
descriptor, a PostgreSQL session's ``default_transaction_read_only``), so only a new one sees a
file turned read-only or a database set read-only or demoted to a standby."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import select

from .executor import Executor
from .tables import credentials, idempotency, webhooks

PARTNER_KIND = "casino-partner"  # the casino dialect's partner credentials hold a sealed secret


async def sealed_samples(ex: Executor, limit: int) -> list[bytes]:
    """Up to ``limit`` of each kind of sealed value: webhook secrets, casino partner secrets
    and stored idempotent responses (newest first: the ones still replayed)."""
    hooks = select(webhooks.c.secret_sealed).order_by(webhooks.c.pk.desc()).limit(limit)
    partners = (
        select(credentials.c.attributes)
        .where(credentials.c.kind == PARTNER_KIND, credentials.c.revoked_at.is_(None))
        .order_by(credentials.c.pk.desc())
        .limit(limit)
    )
    responses = (
        select(idempotency.c.body)
        .where(idempotency.c.body.is_not(None))
        .order_by(idempotency.c.created_at.desc())
        .limit(limit)
    )
    found = [str(v).encode() for v in (await ex.execute(hooks)).scalars()]
    for attrs in (await ex.execute(partners)).scalars():
        if isinstance(attrs, dict) and isinstance(attrs.get("secret_sealed"), str):
            found.append(attrs["secret_sealed"].encode())
    found.extend(bytes(v) for v in (await ex.execute(responses)).scalars())
    return found


def sqlite_write_problem(path: str, min_free_bytes: int) -> str | None:
    """Why the SQLite file cannot take writes now, or None. Blocking: run it in a thread.

    Asked of the kernel with access(2), which answers for a read-only file system, an immutable
    file and missing rights (root included), without opening anything: a probe through SQLite
    would take the write lock and make the server's own writers wait, and opening and closing
    the file here would drop every POSIX lock this process's SQLite connections hold on it
    (SQLite's "How To Corrupt", section 2.2)."""
    free = shutil.disk_usage(Path(path).parent).free
    if free < min_free_bytes:
        return f"disk full ({free} bytes free)"
    for name in (path, path + "-wal", path + "-shm"):
        if os.path.exists(name) and not os.access(name, os.W_OK):
            return f"the database refuses writes: {os.path.basename(name)} is not writable"
    return None


async def postgres_write_problem(connect: dict[str, Any], timeout_s: float) -> str | None:
    """Why a new PostgreSQL session could not write now (read-only, standby), or None.
    ``connect``: asyncpg's arguments for the URL (storage/pgurl.py). No statement cache: one
    statement has nothing to reuse, and an unnamed one also works through a transaction pooler."""
    args = {"timeout": timeout_s, **connect, "statement_cache_size": 0}
    conn = await asyncpg.connect(**args)
    try:
        row = await conn.fetchrow(
            "SELECT pg_is_in_recovery() AS standby,"
            " current_setting('transaction_read_only') AS read_only",
            timeout=timeout_s,
        )
    finally:
        await conn.close(timeout=timeout_s)
    assert row is not None
    if row["standby"]:
        return "the database is a standby (in recovery) and refuses writes"
    if row["read_only"] == "on":
        return "the database refuses writes (default_transaction_read_only is on)"
    return None
