"""SQLite: an online backup copies the snapshot of its start, while the server's connection
commits between its steps and is never held up by it (storage/sqlite_backup.py)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sessionary.bootstrap import Container, build
from sessionary.config import Settings
from sessionary.domain.model import NewEvent, Tenant, TenantPolicy
from sessionary.services.sessions import OpenRequest
from sessionary.storage.checkpointer import WalCheckpointer
from sessionary.storage.sqlite_backup import backup
from tests.conftest import TEST_ACTOR
from tests.support import sqlite_database

EVENTS = [NewEvent("round", {"n": n}) for n in range(3)]


async def _write(c: Container, tenant: Tenant, names: range) -> list[str]:
    """Sessions with three events each, every one committed on its own."""
    ids = []
    for n in names:
        session = await c.sessions.open(tenant.pk, OpenRequest("player", f"p{n}"), TEST_ACTOR)
        await c.events.append(tenant.pk, session.id, EVENTS)
        ids.append(session.id)
    return ids


def _sessions_in(path: Path) -> dict[str, int]:
    """Each session of the file with its number of events."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT s.id, count(e.seq) FROM sessions s"
            " LEFT JOIN events e ON e.session_pk = s.pk GROUP BY s.id"
        ).fetchall()
    finally:
        conn.close()
    return {str(sid): int(n) for sid, n in rows}


async def test_a_backup_is_the_snapshot_of_its_start_while_commits_land_between_its_steps(
    sqlite_template_file: Path, tmp_path: Path
) -> None:
    url = sqlite_database(sqlite_template_file, tmp_path)
    c = build(Settings(database_url=url, sweep_interval_s=0, webhook_interval_s=0))
    copy, snapshot_taken, written = tmp_path / "backup.db", threading.Event(), threading.Event()
    steps: list[int] = []

    def between_steps(done: int, _total: int) -> None:
        snapshot_taken.set()
        if not steps:
            assert written.wait(30), "the writes never came"
        steps.append(done)

    try:
        tenant = await c.tenants.create("acme", TenantPolicy(), TEST_ACTOR)
        before = await _write(c, tenant, range(20))
        source = Path(url.split("///", 1)[1])
        copying = asyncio.create_task(
            asyncio.to_thread(backup, source, copy, step_pages=2, progress=between_steps)
        )
        assert await asyncio.to_thread(snapshot_taken.wait, 30)
        during = await _write(c, tenant, range(20, 30))
        written.set()
        copied = await copying
    finally:
        written.set()
        await c.close()
    held = _sessions_in(copy)
    assert len(steps) > 3 and copied.pages == steps[-1]
    assert all(held.get(sid) == len(EVENTS) for sid in before)
    assert not any(sid in held for sid in during)
    assert _sessions_in(source).keys() >= {*before, *during}


def _write_timed(path: Path, stop: threading.Event) -> list[tuple[float, float]]:
    """Commit after commit, as a busy server does: when each began and how long it took."""
    db = sqlite3.connect(path, isolation_level=None, timeout=30)
    db.execute("PRAGMA wal_autocheckpoint=0")  # as the server's connection
    timings, n = [], 0
    try:
        while not stop.is_set():
            began = time.monotonic()
            db.execute("BEGIN IMMEDIATE")
            db.execute(
                "INSERT INTO idempotency (scope_key, request_hash, created_at) VALUES (?, ?, 0)",
                (f"k{n}", "h" * 20_000),
            )
            db.execute("COMMIT")
            timings.append((began, time.monotonic() - began))
            n += 1
            time.sleep(0.002)
    finally:
        db.close()
    return timings


def test_a_long_backup_does_not_hold_writes_once_the_wal_is_due_to_start_over(
    sqlite_template_file: Path, tmp_path: Path
) -> None:
    path = Path(sqlite_database(sqlite_template_file, tmp_path).removeprefix("sqlite:///"))
    sqlite3.connect(path).execute("PRAGMA journal_mode=WAL").close()  # as the server leaves it
    checkpointer, stop = WalCheckpointer(str(path), restart_bytes=256 * 1024), threading.Event()
    with ThreadPoolExecutor(1) as pool:
        checkpointer.start()
        writes = pool.submit(_write_timed, path, stop)
        try:
            began = time.monotonic()  # ~30 steps of 40 ms: the WAL passes 256 KiB meanwhile
            backup(path, tmp_path / "b.db", step_pages=2, progress=lambda *_: time.sleep(0.04))
            ended = time.monotonic()
        finally:
            stop.set()
            checkpointer.stop()
        timings = writes.result()
    during = [took for start, took in timings if began <= start <= ended]
    # Before: the checkpoint thread's RESTART took the write lock and waited for the backup's
    # snapshot to end, so one write took as long as the backup itself.
    assert ended - began > 1.0 and len(during) > 20
    assert max(during) < (ended - began) / 2, (max(during), ended - began)
