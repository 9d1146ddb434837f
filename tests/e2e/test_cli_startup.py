"""What the CLI and ``serve`` say at start: where a new database is, unknown variables, the
sealing-key warning once, and the bootstrap key kept out of a non-terminal's output."""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import msgspec
import pytest

from sessionary.bootstrap import build
from sessionary.config import load_settings
from sessionary.domain.model import Credential
from sessionary.services.credentials import digest
from sessionary.storage.migrate import upgrade

from .test_serve import serving

BIN = Path(sys.executable).parent / "sessionary"
NEW_DATABASE = "creating a new database at"


def sessionary(
    *args: str, env: Mapping[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """No SESSIONARY_* of the test run's own: the defaults, under a private XDG_DATA_HOME."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SESSIONARY_")}
    # Commands start in other directories: a relative PYTHONPATH (src) must still find src.
    paths = clean.get("PYTHONPATH", "").split(os.pathsep)
    clean["PYTHONPATH"] = os.pathsep.join(os.path.abspath(p) for p in paths if p)
    return {**clean, "XDG_DATA_HOME": str(tmp_path / "xdg")}


def test_the_cli_finds_one_database_from_any_directory_and_says_where_on_first_use(
    tmp_path: Path, env: dict[str, str]
) -> None:
    checkout, elsewhere = tmp_path / "checkout", tmp_path / "elsewhere"
    checkout.mkdir()
    elsewhere.mkdir()
    database = tmp_path / "xdg" / "sessionary" / "sessionary.db"
    first = sessionary("db", "upgrade", env=env, cwd=checkout)
    assert first.returncode == 0, first.stderr
    assert f"{NEW_DATABASE} {database}" in first.stderr
    assert sessionary("tenants", "create", "acme", env=env, cwd=checkout).returncode == 0
    listed = sessionary("tenants", "list", "--json", env=env, cwd=elsewhere)
    assert [t["name"] for t in msgspec.json.decode(listed.stdout)] == ["acme"]
    assert NEW_DATABASE not in listed.stderr
    assert not (elsewhere / "var").exists()


def test_an_unknown_variable_is_a_warning_in_development_and_a_refusal_in_production(
    env: dict[str, str],
) -> None:
    typo = {**env, "SESSIONARY_SWEEP_INTERVALS": "1"}
    warned = sessionary("db", "upgrade", env=typo)
    assert warned.returncode == 0, warned.stderr
    assert "warning: SESSIONARY_SWEEP_INTERVALS" in warned.stderr
    assert "did you mean SESSIONARY_SWEEP_INTERVAL_S?" in warned.stderr
    production = {**typo, "SESSIONARY_ENVIRONMENT": "production", "SESSIONARY_SECRET_KEY": "k" * 40}
    refused = sessionary("db", "upgrade", env=production)
    assert refused.returncode == 2
    assert "did you mean SESSIONARY_SWEEP_INTERVAL_S?" in " ".join(refused.stderr.split())


def test_production_without_a_secret_key_is_refused_before_anything_runs(
    env: dict[str, str],
) -> None:
    refused = sessionary("serve", env={**env, "SESSIONARY_ENVIRONMENT": "production"})
    assert refused.returncode == 2
    assert "SESSIONARY_SECRET_KEY" in refused.stderr
    assert not (Path(env["XDG_DATA_HOME"]) / "sessionary").exists()


def test_a_cli_command_does_not_warn_about_the_sealing_key(env: dict[str, str]) -> None:
    assert "SECRET_KEY" not in sessionary("tenants", "list", env=env).stderr


def test_serve_off_a_terminal_writes_the_bootstrap_key_to_an_owner_only_file(
    tmp_path: Path, env: dict[str, str]
) -> None:
    env["SESSIONARY_DATA_DIR"] = str(tmp_path / "data")
    url = f"sqlite:///{tmp_path / 'data' / 'sessionary.db'}"
    upgrade(url)
    with serving(url, env=env) as (_, proc):
        pass
    output = proc.stdout.read() if proc.stdout else ""
    key_file = tmp_path / "data" / "operator-key"
    secret = key_file.read_text().strip()
    assert secret.startswith("sk_") and secret not in output
    assert f"Bootstrap operator key written to {key_file}" in output
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert output.count("SESSIONARY_SECRET_KEY is not set") == 1  # not again in the worker


def test_a_lost_operator_key_is_replaced_from_the_database_and_the_old_one_revoked(
    tmp_path: Path, env: dict[str, str]
) -> None:
    env["SESSIONARY_DATA_DIR"] = str(tmp_path)
    url = f"sqlite:///{tmp_path / 'sessionary.db'}"
    upgrade(url)
    old = asyncio.run(_bootstrap(url))
    issued = sessionary("operator-key", "issue", "--revoke-others", env=env)
    assert issued.returncode == 0, issued.stderr
    path = re.search(r"written to (\S+) \(", issued.stdout)
    assert path is not None and stat.S_IMODE(os.stat(path.group(1)).st_mode) == 0o600
    secret = Path(path.group(1)).read_text().strip()
    keys = {k.id: k for k in asyncio.run(_operator_keys(url))}
    assert keys[old].revoked_at is not None
    [new] = [k for k in keys.values() if k.revoked_at is None]
    assert new.name == "recovery" and new.digest == digest(secret)
    with sqlite3.connect(tmp_path / "sessionary.db") as db:
        audited = db.execute("SELECT actor, action, target FROM audit ORDER BY id").fetchall()
    assert ("cli:operator-key", "credential.create", new.id) in audited
    assert ("cli:operator-key", "credential.revoke", old) in audited


async def _bootstrap(database_url: str) -> str:
    container = build(load_settings(database_url=database_url))
    try:
        issued = await container.credentials.bootstrap_operator_key()
    finally:
        await container.close()
    assert issued is not None
    return issued.credential.id


async def _operator_keys(database_url: str) -> list[Credential]:
    container = build(load_settings(database_url=database_url))
    try:
        return await container.credentials.list(None)
    finally:
        await container.close()
