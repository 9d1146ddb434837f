"""Statistics that went stale must not turn a hot statement into a table scan.

The benchmark found it: ANALYZE ran while no key was bound to a session, then the casino
issued 4,500 game tokens, and SQLite revoked bound keys on every close by scanning every
credential (221 us of a close's ~450 us)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from sessionary.domain.changes import One
from sessionary.domain.ports import UnitOfWork
from sessionary.services.sweeper import Sweeper
from sessionary.storage.database import open_database
from sessionary.storage.transitions import plans, steps
from tests.support import FakeClock, sqlite_database

BOUND_KEYS = 3_000
PLAIN_REVOKE = (
    "UPDATE credentials SET revoked_at = :at WHERE bound_session_pk = :session_pk"
    " AND revoked_at IS NULL"
)


def _stale_file(template: Path, tmp_path: Path) -> Path:
    """A migrated file analysed while it held one unbound key, then given many bound ones
    (sqlite3 leaves foreign keys unchecked, so the bound sessions need not exist)."""
    path = Path(sqlite_database(template, tmp_path).removeprefix("sqlite:///"))
    db = sqlite3.connect(path, isolation_level=None)
    try:
        _add_keys(db, 1, bound=False)
        # Revoked and expiring, so the partial indexes have statistics too (an index without
        # any makes SQLite fall back to its defaults, which happen to pick the right one).
        db.execute("UPDATE credentials SET revoked_at = 1, expires_at = 1")
        db.execute("ANALYZE")
        _add_keys(db, BOUND_KEYS, bound=True)
    finally:
        db.close()
    return path


def _add_keys(db: sqlite3.Connection, count: int, *, bound: bool) -> None:
    start = db.execute("SELECT coalesce(max(pk), 0) FROM credentials").fetchone()[0]
    db.executemany(
        "INSERT INTO credentials (id, prefix, digest, scopes, kind, attributes, created_at,"
        " bound_session_pk) VALUES (?, 'p', ?, '', 'api', '{}', 0, ?)",
        [(f"key_{start + i}", f"d{start + i}", i if bound else None) for i in range(1, count + 1)],
    )


def _plan(path: Path, sql: str) -> str:
    params: object = {"at": 1, "session_pk": 5} if ":" in sql else (1, 5)
    db = sqlite3.connect(path)
    try:
        rows = db.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()  # type: ignore[arg-type]
    finally:
        db.close()
    return " / ".join(str(r[3]) for r in rows)


def test_stale_statistics_make_sqlite_scan_for_bound_keys_without_a_hint(
    sqlite_template_file: Path, tmp_path: Path
) -> None:
    path = _stale_file(sqlite_template_file, tmp_path)
    assert _plan(path, PLAIN_REVOKE).startswith("SCAN credentials")


def test_every_ending_revokes_bound_keys_through_the_index_despite_stale_statistics(
    sqlite_template_file: Path, tmp_path: Path
) -> None:
    path = _stale_file(sqlite_template_file, tmp_path)
    for ending in (steps.CLOSE, steps.DELETE, steps.EXPIRE):
        effects = plans.compiled_sqlite((ending,), One, False).steps[0].effects
        (revoke,) = [e.sql for e in effects if e.sql.startswith("UPDATE credentials")]
        assert "USING INDEX ix_credentials_bound" in _plan(path, revoke)


async def test_refreshing_statistics_reanalyses_a_table_that_grew_many_fold(
    sqlite_template_file: Path, tmp_path: Path
) -> None:
    path = _stale_file(sqlite_template_file, tmp_path)
    db = open_database(f"sqlite:///{path}")
    try:
        # A query of the server's own connection on bound keys, as every ending runs.
        db._driver().execute(  # type: ignore[attr-defined]
            "SELECT pk FROM credentials WHERE bound_session_pk = 1"
        ).fetchall()
        await db.refresh_statistics()
    finally:
        await db.dispose()
    assert "USING INDEX ix_credentials_bound" in _plan(path, PLAIN_REVOKE)


async def test_refreshing_statistics_is_harmless_on_either_backend(database_url: str) -> None:
    db = open_database(database_url)
    try:
        await db.refresh_statistics()
        assert await db.ping()
    finally:
        await db.dispose()


async def test_the_sweepers_housekeeping_refreshes_the_statistics() -> None:
    refreshed = asyncio.Event()

    async def refresh() -> None:
        refreshed.set()

    class NoWork:
        async def sweep_once(self) -> int:
            return 0

    sweeper = Sweeper(_no_uow, FakeClock(), refresh_statistics=refresh)
    for name in ("sweep_once", "settle_cancellations", "purge_idempotency_keys",
                 "purge_credentials", "apply_retention"):  # fmt: skip
        setattr(sweeper, name, NoWork().sweep_once)
    task = asyncio.create_task(sweeper.run_forever(3600))
    try:
        await asyncio.wait_for(refreshed.wait(), timeout=10)
    finally:
        task.cancel()


def _no_uow(*, write: bool = True) -> UnitOfWork:
    raise AssertionError("the stubbed passes use no unit of work")
