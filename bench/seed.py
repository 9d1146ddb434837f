"""Bulk-loading sessions straight into sessionary's tables (set-up for benchmarks, never served).

Rows are what the API would have written for an open: an ``active`` session with its subject
and its ``opened`` lifecycle record (and, if asked, events). One ``INSERT ... SELECT`` per table
from a generated series, on the server side: millions of rows a minute on PostgreSQL
(``generate_series``), tens of thousands a second on SQLite (a recursive CTE).
Session ids are ``<prefix><n zero-padded to width>``, so callers know them without reading back.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from dataclasses import dataclass

import asyncpg

SECOND = 1_000_000


@dataclass(frozen=True)
class Batch:
    """Sessions ``first``..``first + count - 1`` of one tenant, kind and dialect."""

    tenant: str
    dialect: str  # sessions.dialect: native, hivemp, ...
    subject_kind: str
    subject_prefix: str  # subject external ids are <prefix><n % subjects>
    id_prefix: str
    width: int  # digits after id_prefix
    first: int
    count: int
    subjects: int = 1000
    events: int = 0  # events per session
    expired_ago_s: int | None = None  # active but due: expires_at this long ago

    def session_id(self, n: int) -> str:
        return f"{self.id_prefix}{n:0{self.width}d}"

    def ids(self) -> list[str]:
        return [self.session_id(n) for n in range(self.first, self.first + self.count)]

    def times(self) -> tuple[int, int | None, int | None]:
        """(opened_at, expires_at, idle_timeout_s) in microseconds since the epoch."""
        now = int(time.time() * SECOND)
        if self.expired_ago_s is None:
            return now, None, None
        idle = 60
        expires = now - self.expired_ago_s * SECOND
        return expires - idle * SECOND, expires, idle


_PG_SUBJECTS = """
INSERT INTO subjects (tenant_pk, kind, external_id, attributes, created_at)
SELECT $1, $2, $3 || g::text, '{}'::jsonb, $4 FROM generate_series(0, $5 - 1) g
ON CONFLICT DO NOTHING"""
_PG_SESSIONS = """
INSERT INTO sessions (tenant_pk, id, subject_pk, status, opened_at, last_activity_at,
    expires_at, idle_timeout_s, metered, state, version, last_seq, dialect)
SELECT $1, $2 || lpad(g::text, $3, '0'), s.pk, 'active', $4, $4, $5, $6, true, '{}'::jsonb, 1,
    $7, $8
FROM generate_series($9::bigint, $10::bigint) g
JOIN subjects s ON s.tenant_pk = $1 AND s.kind = $11 AND s.external_id = $12 || (g % $13)::text"""
_PG_OPENED = """
INSERT INTO lifecycle (tenant_pk, session_pk, session_id, type, at, data)
SELECT tenant_pk, pk, id, 'opened', opened_at, jsonb_build_object('dialect', dialect)
FROM sessions WHERE tenant_pk = $1 AND pk > $2"""
_PG_EVENTS = """
INSERT INTO events (session_pk, seq, tenant_pk, type, occurred_at, recorded_at, payload)
SELECT s.pk, e, s.tenant_pk, 'bench.tick', s.opened_at + e, s.opened_at + e, '{"i": 1}'::jsonb
FROM sessions s, generate_series(1, $3::bigint) e WHERE s.tenant_pk = $1 AND s.pk > $2"""


async def pg_load(url: str, batch: Batch, chunk: int = 500_000) -> float:
    """Load ``batch`` in chunks (each its own transaction); seconds taken."""
    t0 = time.perf_counter()
    conn = await asyncpg.connect(url)
    try:
        tenant_pk = await conn.fetchval("SELECT pk FROM tenants WHERE name = $1", batch.tenant)
        opened, expires, idle = batch.times()
        n_subj = min(batch.subjects, batch.count)
        await conn.execute(
            _PG_SUBJECTS, tenant_pk, batch.subject_kind, batch.subject_prefix, opened, n_subj
        )
        for lo in range(batch.first, batch.first + batch.count, chunk):
            hi = min(lo + chunk, batch.first + batch.count) - 1
            async with conn.transaction():
                before = await conn.fetchval("SELECT coalesce(max(pk), 0) FROM sessions")
                await conn.execute(
                    _PG_SESSIONS, tenant_pk, batch.id_prefix, batch.width, opened, expires, idle,
                    batch.events, batch.dialect, lo, hi, batch.subject_kind,
                    batch.subject_prefix, n_subj,
                )  # fmt: skip
                await conn.execute(_PG_OPENED, tenant_pk, before)
                if batch.events:
                    await conn.execute(_PG_EVENTS, tenant_pk, before, batch.events)
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return time.perf_counter() - t0


_SQLITE_SUBJECTS = """
WITH RECURSIVE g(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM g WHERE n < ?5 - 1)
INSERT OR IGNORE INTO subjects (tenant_pk, kind, external_id, attributes, created_at)
SELECT ?1, ?2, ?3 || n, '{}', ?4 FROM g"""
_SQLITE_SESSIONS = """
WITH RECURSIVE g(n) AS (SELECT ?12 UNION ALL SELECT n + 1 FROM g WHERE n < ?13)
INSERT INTO sessions (tenant_pk, id, subject_pk, status, opened_at, last_activity_at,
    expires_at, idle_timeout_s, metered, state, version, last_seq, dialect)
SELECT ?1, ?2 || substr('0000000000000000000000000000000' || n, -?3, ?3), s.pk, 'active', ?4, ?4,
    ?5, ?6, 1, '{}', 1, ?7, ?8
FROM g JOIN subjects s ON s.tenant_pk = ?1 AND s.kind = ?9 AND s.external_id = ?10 || (n % ?11)"""
_SQLITE_OPENED = """
INSERT INTO lifecycle (tenant_pk, session_pk, session_id, type, at, data)
SELECT tenant_pk, pk, id, 'opened', opened_at, json_object('dialect', dialect)
FROM sessions WHERE tenant_pk = ? AND pk > ?"""


def sqlite_load(path: str, batch: Batch) -> float:
    """Load ``batch`` (without events) in one transaction; seconds taken."""
    t0 = time.perf_counter()
    db = sqlite3.connect(path, timeout=30)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        with db:
            row = db.execute("SELECT pk FROM tenants WHERE name = ?", (batch.tenant,)).fetchone()
            tenant_pk = int(row[0])
            opened, expires, idle = batch.times()
            n_subj = min(batch.subjects, batch.count)
            db.execute(
                _SQLITE_SUBJECTS,
                (tenant_pk, batch.subject_kind, batch.subject_prefix, opened, n_subj),
            )
            before = db.execute("SELECT coalesce(max(pk), 0) FROM sessions").fetchone()[0]
            last = batch.first + batch.count - 1
            db.execute(
                _SQLITE_SESSIONS,
                (tenant_pk, batch.id_prefix, batch.width, opened, expires, idle, batch.events,
                 batch.dialect, batch.subject_kind, batch.subject_prefix, n_subj,
                 batch.first, last),
            )  # fmt: skip
            db.execute(_SQLITE_OPENED, (tenant_pk, before))
        db.execute("ANALYZE")
    finally:
        db.close()
    return time.perf_counter() - t0


def load(url: str, batch: Batch) -> float:
    """Load ``batch`` into the database at ``url`` (sqlite:///path or postgresql://...)."""
    if url.startswith("sqlite:///"):
        if batch.events:
            raise ValueError("events are bulk-loaded on PostgreSQL only")
        return sqlite_load(url.removeprefix("sqlite:///"), batch)
    return asyncio.run(pg_load(url, batch))
