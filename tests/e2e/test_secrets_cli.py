"""``sessionary secrets reseal`` on both backends (Typer's runner, in process): what it prints,
its JSON, its exit status when a value opens with none of the keys."""

from __future__ import annotations

import asyncio
import json

import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from sessionary.bootstrap import build
from sessionary.cli import app
from sessionary.config import Settings
from sessionary.dialects.casino.partners import create_partner
from sessionary.domain.model import TenantPolicy
from tests.conftest import TEST_ACTOR

OLD = "cli-old-sealing-key-0123456789abcdef01234"
NEW = "cli-new-sealing-key-abcdef0123456789abcde"
runner = CliRunner()


def _seal_under(url: str, key: str, login: str) -> None:
    async def work() -> None:
        c = build(Settings(database_url=url, environment="test", secret_key=SecretStr(key)))
        try:
            if not await c.tenants.list():
                await c.tenants.create("acme", TenantPolicy(), TEST_ACTOR)
            await create_partner(c, "acme", TEST_ACTOR, login)
            await c.webhooks.create(
                (await c.tenants.find("acme")).pk, "https://93.184.215.14/", [], TEST_ACTOR
            )
        finally:
            await c.close()

    asyncio.run(work())


@pytest.fixture
def keys(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("SESSIONARY_DATABASE_URL", database_url)
    monkeypatch.setenv("SESSIONARY_SECRET_KEY", f"{NEW}, {OLD}")
    return database_url


def test_reseal_has_help_naming_what_it_does() -> None:
    result = runner.invoke(app, ["secrets", "reseal", "--help"])
    assert result.exit_code == 0
    assert "SESSIONARY_SECRET_KEY" in result.stdout and "--json" in result.stdout


PARTNERS = "credentials.attributes.secret_sealed"


def test_reseal_prints_each_place_in_json_and_a_second_run_reseals_nothing(keys: str) -> None:
    _seal_under(keys, OLD, "P1")
    first = runner.invoke(app, ["secrets", "reseal", "--json"])
    assert first.exit_code == 0, first.output
    places = {p["place"]: p for p in json.loads(first.stdout)["places"]}
    assert places["webhooks.secret_sealed"] == {
        "place": "webhooks.secret_sealed",
        "total": 1,
        "scanned": 1,
        "resealed": 1,
        "already_current": 0,
        "unopenable": 0,
        "changed_meanwhile": 0,
    }
    assert places[PARTNERS]["resealed"] == 1
    assert places["idempotency.body"]["scanned"] == 0
    second = runner.invoke(app, ["secrets", "reseal"])
    assert second.exit_code == 0, second.output
    assert "nothing to reseal: all current" in second.stdout
    assert "scanned" in second.stdout  # the table (its names wrap at 80 columns)


def test_values_no_key_opens_are_reported_kept_and_fail_the_command(keys: str) -> None:
    _seal_under(keys, "a-lost-key-0123456789abcdef0123456789ab", "P1")
    _seal_under(keys, OLD, "P2")
    result = runner.invoke(app, ["secrets", "reseal", "--json"])
    assert result.exit_code == 1
    places = {p["place"]: p for p in json.loads(result.stdout)["places"]}
    hooks = places["webhooks.secret_sealed"]
    assert (hooks["scanned"], hooks["resealed"], hooks["unopenable"]) == (2, 1, 1)
    assert "2 sealed values open with none of the keys" in result.stderr
    again = runner.invoke(app, ["secrets", "reseal", "--json"])
    assert again.exit_code == 1
    unopenable = {p["place"]: p["unopenable"] for p in json.loads(again.stdout)["places"]}
    assert unopenable["webhooks.secret_sealed"] == unopenable[PARTNERS] == 1
