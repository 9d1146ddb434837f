"""``sessionary db backup`` while a real server takes writes, then ``db restore`` and serve: every
write acknowledged before the backup started is there. PostgreSQL: pg_dump while serving,
pg_restore into another cluster, the README's transaction-counter check and fix, serve."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from typer.testing import CliRunner

from sessionary.bootstrap import build
from sessionary.cli import app
from sessionary.config import Settings
from sessionary.services.stream import BEGINNING
from sessionary.storage.migrate import head
from tests.conftest import PG_TEMPLATE
from tests.pgcluster import PgCluster, _bindir
from tests.support import postgres_database, sqlite_database

from .hygiene import serving
from .writes import Ack, Writer, assert_present, assert_writable, tenant_key

runner = CliRunner()


@pytest.fixture
def sqlite_url(sqlite_template_file: Path, tmp_path: Path) -> str:
    return sqlite_database(sqlite_template_file, tmp_path)


def invoke_json(env: dict[str, str], *args: str) -> Any:
    """The CLI in this process: the server is another one, as in production."""
    done = runner.invoke(app, [*args, "--json"], env=env)
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout)


def test_a_backup_taken_while_the_server_writes_restores_every_acknowledged_write(
    sqlite_url: str, tmp_path: Path
) -> None:
    headers, copy = tenant_key(sqlite_url), tmp_path / "backup.db"
    env = {"SESSIONARY_DATABASE_URL": sqlite_url}
    with serving(sqlite_url) as (base, _), Writer(base, headers) as writer:
        writer.wait_for(20)
        before = writer.acked()
        made = invoke_json(env, "db", "backup", str(copy), "--step-pages", "1")
        writer.wait_for(20, sent_after=time.monotonic())  # the server kept taking writes
        refused = runner.invoke(app, ["db", "restore", str(copy), "--yes"], env=env)
        assert refused.exit_code == 1 and "stop it first" in refused.stderr
    assert made["revision"] == head() and made["pages"] > 1
    assert made["bytes"] == copy.stat().st_size
    restored = invoke_json(env, "db", "restore", str(copy), "--yes")
    assert restored["revision"] == restored["head"] == head()
    seen_last = _last_record(Path(restored["replaced"]))
    assert restored["last_record_id"] == seen_last > _last_record(copy)
    with serving(sqlite_url) as (base, _):
        assert_present(base, headers, before)
        assert_writable(base, headers)
    assert _last_record(Path(restored["file"])) > seen_last  # no id names two records


def _last_record(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT coalesce(max(id), 0) FROM lifecycle").fetchone()[0])
    finally:
        conn.close()


def test_pg_dump_while_serving_then_pg_restore_into_another_cluster_serves_every_write(
    pg_cluster: PgCluster, tmp_path: Path
) -> None:
    url = postgres_database(pg_cluster.port, PG_TEMPLATE)
    asyncio.run(_sql(url, BURN_XIDS))  # the source cluster's counter well ahead of a new one's
    headers, dump = tenant_key(url), tmp_path / "sessionary.dump"
    with serving(url) as (base, _), Writer(base, headers) as writer:
        writer.wait_for(20)
        before: list[Ack] = writer.acked()
        with dump.open("wb") as out:  # written by this process: pg_dump may run as postgres
            _pg_tool("pg_dump", "--format=custom", url, stdout=out)
        writer.wait_for(20, sent_after=time.monotonic())
    other = PgCluster()
    try:
        other.start()
        restored = other.create_database("sessionary")
        with dump.open("rb") as archive:
            args = ("--no-owner", "--exit-on-error", "-d", restored)
            _pg_tool("pg_restore", *args, stdin=archive)
        behind, seen, total = asyncio.run(_stream_state(restored))
        assert behind and seen < total  # the README's check sees what the stream would miss
        other.next_epoch(1)
        assert asyncio.run(_stream_state(restored)) == (False, total, total)
        with serving(restored) as (base, _):
            assert_present(base, headers, before)
            assert_writable(base, headers)
    finally:
        other.stop()


BURN_XIDS = (
    "DO $$ BEGIN FOR i IN 1..5000 LOOP PERFORM pg_current_xact_id(); COMMIT; END LOOP; END $$"
)
BEHIND = "SELECT max(tx) >= pg_current_xact_id()::text::bigint FROM lifecycle"


async def _sql(url: str, statement: str) -> Any:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval(statement)
    finally:
        await conn.close()


async def _stream_state(url: str) -> tuple[bool, int, int]:
    """The README's check (behind?), the records the stream reads from the beginning, all."""
    c = build(Settings(database_url=url, sweep_interval_s=0, webhook_interval_s=0))
    try:
        tenant = await c.tenants.find("acme")
        seen = await c.stream.page(tenant.pk, BEGINNING, 5000)
    finally:
        await c.close()
    total = await _sql(url, "SELECT count(*) FROM lifecycle")
    return bool(await _sql(url, BEHIND)), len(seen), int(total)


def _pg_tool(tool: str, *args: str, **streams: Any) -> None:
    """A PostgreSQL client tool of the clusters' own version (as their user when root)."""
    cmd = [str(_bindir() / tool), *args]
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    done = subprocess.run(cmd, env=env, stderr=subprocess.PIPE, timeout=60, check=False, **streams)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
