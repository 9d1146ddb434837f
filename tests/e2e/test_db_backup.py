"""``sessionary db backup`` while a real server takes writes, then ``db restore`` and serve: every
write acknowledged before the backup started is there. PostgreSQL: pg_dump, pg_restore, serve."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sessionary.cli import app
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
    assert Path(restored["replaced"]).exists()
    with serving(sqlite_url) as (base, _):
        assert_present(base, headers, before)
        assert_writable(base, headers)


def test_pg_dump_while_serving_then_pg_restore_into_a_fresh_database_serves_every_write(
    pg_cluster: PgCluster, tmp_path: Path
) -> None:
    url = postgres_database(pg_cluster.port, PG_TEMPLATE)
    headers, dump = tenant_key(url), tmp_path / "sessionary.dump"
    with serving(url) as (base, _), Writer(base, headers) as writer:
        writer.wait_for(20)
        before: list[Ack] = writer.acked()
        with dump.open("wb") as out:  # written by this process: pg_dump may run as postgres
            _pg_tool(pg_cluster, "pg_dump", "--format=custom", url, stdout=out)
        writer.wait_for(20, sent_after=time.monotonic())
    restored = pg_cluster.create_database(f"restored_{url.rsplit('/', 1)[1]}")
    with dump.open("rb") as archive:
        _pg_tool(
            pg_cluster, "pg_restore", "--no-owner", "--exit-on-error", "-d", restored, stdin=archive
        )
    with serving(restored) as (base, _):
        assert_present(base, headers, before)
        assert_writable(base, headers)


def _pg_tool(cluster: PgCluster, tool: str, *args: str, **streams: Any) -> None:
    """A PostgreSQL client tool of the cluster's own version (as its user when root)."""
    cmd = [str(_bindir() / tool), *args]
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    done = subprocess.run(cmd, env=env, stderr=subprocess.PIPE, timeout=60, check=False, **streams)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
