"""What ``sessionary db backup`` and ``db restore`` refuse, and what they leave behind then:
the database untouched, no temporary file (Typer's runner, in process, on SQLite files)."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from sessionary.cli import app
from tests.support import sqlite_database

runner = CliRunner()


@pytest.fixture
def database(sqlite_template_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The configured database, with one tenant, in a directory of its own."""
    home = tmp_path / "var"
    home.mkdir()
    url = sqlite_database(sqlite_template_file, home)
    monkeypatch.setenv("SESSIONARY_DATABASE_URL", url)
    assert runner.invoke(app, ["tenants", "create", "acme"]).exit_code == 0
    return Path(url.split("///", 1)[1])


@pytest.fixture
def copy(database: Path, tmp_path: Path) -> Path:
    path = tmp_path / "backup.db"
    assert cli("db", "backup", str(path)).exit_code == 0
    return path


def cli(*args: str) -> Result:
    return runner.invoke(app, list(args))


def _execute(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path)
    try:
        for statement in statements:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


def _refused_restore(database: Path, backup: Path, words: str) -> None:
    before = database.read_bytes()
    result = cli("db", "restore", str(backup), "--yes")
    assert result.exit_code == 1 and words in result.stderr.replace("\n", " "), result.output
    assert database.read_bytes() == before
    assert sorted(p.name for p in database.parent.iterdir()) == [database.name]


def test_restore_refuses_a_file_that_is_not_a_sqlite_database(
    database: Path, tmp_path: Path
) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database, but long enough to look like a header" * 100)
    _refused_restore(database, junk, "cannot copy the database")


def test_restore_refuses_another_applications_sqlite_database(
    database: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other.db"
    _execute(other, "CREATE TABLE notes (body TEXT)", "INSERT INTO notes VALUES ('hi')")
    _refused_restore(database, other, "not a sessionary database")


def test_restore_refuses_a_backup_at_a_revision_this_version_does_not_know(
    database: Path, copy: Path
) -> None:
    _execute(copy, "UPDATE alembic_version SET version_num = '9999_from_the_future'")
    _refused_restore(database, copy, "9999_from_the_future, unknown to this version")


def test_restore_refuses_a_backup_that_fails_its_integrity_check(
    database: Path, copy: Path
) -> None:
    conn = sqlite3.connect(copy)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    [root] = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'alembic_version'")
    conn.close()
    with copy.open("r+b") as f:  # garbage over the cell pointers of one table's page
        f.seek((root[0] - 1) * page_size + 8)
        f.write(b"\xff" * 64)
    _refused_restore(database, copy, "failed its integrity check")


def test_restore_over_an_existing_database_needs_yes_when_it_cannot_ask(
    database: Path, copy: Path
) -> None:
    before = database.read_bytes()
    result = cli("db", "restore", str(copy))
    assert result.exit_code == 1 and "pass --yes" in result.stderr
    assert database.read_bytes() == before


def test_restore_sets_the_replaced_database_aside_with_what_its_wal_held(
    database: Path, copy: Path
) -> None:
    _crash_after_commit(database, "CREATE TABLE written_after_the_backup (x)")
    assert database.with_name(database.name + "-wal").stat().st_size > 0
    result = cli("db", "restore", str(copy), "--yes", "--json")
    assert result.exit_code == 0, result.output
    replaced = Path(json.loads(result.stdout)["replaced"])
    assert sorted(database.parent.iterdir()) == sorted([database, replaced])
    assert "written_after_the_backup" in _tables(replaced)
    assert "written_after_the_backup" not in _tables(database)


def _crash_after_commit(path: Path, statement: str) -> None:
    """A process that commits in WAL mode and dies with the commit only in the WAL."""
    script = (
        "import os, sqlite3, sys\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "c.execute('PRAGMA journal_mode=WAL'); c.execute('PRAGMA wal_autocheckpoint=0')\n"
        "c.execute(sys.argv[2]); os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", script, str(path), statement], check=True, timeout=30)


def _tables(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    finally:
        conn.close()


def test_restore_into_a_missing_database_needs_no_confirmation(database: Path, copy: Path) -> None:
    database.unlink()
    result = cli("db", "restore", str(copy), "--json")
    assert result.exit_code == 0, result.output
    assert '"replaced":null' in result.stdout
    assert "acme" in cli("tenants", "list", "--json").stdout


def test_backup_refuses_to_overwrite_a_file_unless_forced(database: Path, copy: Path) -> None:
    copy.write_bytes(b"an older backup")
    result = cli("db", "backup", str(copy))
    assert result.exit_code == 1 and "--force" in result.stderr
    assert copy.read_bytes() == b"an older backup"
    assert cli("db", "backup", str(copy), "--force").exit_code == 0
    assert copy.read_bytes()[:16] == b"SQLite format 3\x00"


def test_backup_of_a_missing_database_is_refused_and_creates_nothing(
    database: Path, tmp_path: Path
) -> None:
    shutil.rmtree(database.parent)
    result = cli("db", "backup", str(tmp_path / "backup.db"))
    assert result.exit_code == 1 and "no database at" in result.stderr
    assert not database.parent.exists() and not (tmp_path / "backup.db").exists()


@pytest.mark.parametrize(("command", "tool"), [("backup", "pg_dump"), ("restore", "pg_restore")])
def test_on_postgresql_backup_and_restore_point_at_its_own_tools(
    command: str, tool: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SESSIONARY_DATABASE_URL", "postgresql://u:hunter2@db.example/sessionary")
    result = cli(
        "db", command, str(tmp_path / "file"), "--yes" if command == "restore" else "--force"
    )
    assert result.exit_code == 2 and tool in result.stderr and "README" in result.stderr
    assert "hunter2" not in result.output
