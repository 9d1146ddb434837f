"""The ``sessionary casino`` commands print the documented JSON, and what they create works on
the wire; the signing secret and the token are not stored in plain text."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import pytest
from typer.testing import CliRunner, Result

from sessionary.bootstrap import Container
from sessionary.cli import app
from sessionary.dialects.casino.partners import PARTNER, create_partner
from sessionary.domain.model import Tenant
from tests.conftest import TEST_ACTOR

from .expectations import expect
from .helpers import G1, PUMPKIN, SUCCESS, Casino, signed

runner = CliRunner()


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("SESSIONARY_DATABASE_URL", database_url)
    return database_url


async def invoke(*args: str) -> Result:
    """The CLI runs its own event loop, so it runs in a worker thread here."""
    return await anyio.to_thread.run_sync(lambda: runner.invoke(app, ["casino", *args]))


async def test_partners_create_prints_the_given_credentials_as_json(
    cli_env: str, tenant: Tenant, casino: Casino
) -> None:
    args = ["--secure-login", "S100", "--token", "TOK-0001", "--secret", "testKey", "--json"]
    result = await invoke("partners", "create", "--tenant", tenant.name, *args)
    assert result.exit_code == 0, result.output
    assert result.stdout == '{"secure_login":"S100","token":"TOK-0001","secret":"testKey"}\n'
    body = signed({"secureLogin": "S100", "userId": "tester", "clearHistory": "1"})
    expect(await casino.close_a(body), 200, SUCCESS)


async def test_partners_create_generates_a_login_a_36_character_token_and_a_secret(
    cli_env: str, tenant: Tenant, casino: Casino
) -> None:
    result = await invoke("partners", "create", "--tenant", tenant.name, "--json")
    assert result.exit_code == 0, result.output
    made = json.loads(result.stdout)
    assert list(made) == ["secure_login", "token", "secret"]
    assert len(made["token"]) == 36
    assert made["secure_login"] and made["secret"]
    body = {"secureLogin": made["secure_login"], "token": made["token"], "uuid": "u"}
    response = await casino.post("/history/GetGameRounds", body)
    assert response.json() == {"error": 0, "description": "Success", "totalRounds": 0, "rounds": []}


async def test_a_second_partner_with_the_same_login_is_refused(
    cli_env: str, tenant: Tenant
) -> None:
    first = await invoke("partners", "create", "--tenant", tenant.name, "--secure-login", "S100")
    assert first.exit_code == 0, first.output
    again = await invoke("partners", "create", "--tenant", tenant.name, "--secure-login", "S100")
    assert again.exit_code != 0


async def test_games_add_prints_the_game_as_json_and_the_game_becomes_known(
    cli_env: str, tenant: Tenant, container: Container, casino: Casino
) -> None:
    await create_partner(container, tenant.name, TEST_ACTOR, "S100", "TOK-0001", "testKey")
    body = signed({"secureLogin": "S100", "userId": "tester", "gameId": PUMPKIN})
    expect(await casino.close_a(body), 400, G1)
    args = ["--tenant", tenant.name, "--game-id", PUMPKIN, "--name", "Pumpkin Farm", "--json"]
    result = await invoke("games", "add", *args)
    assert result.exit_code == 0, result.output
    assert result.stdout == '{"game_id":"lm_1_pumpkinfarm","name":"Pumpkin Farm"}\n'
    expect(await casino.close_a(body), 200, SUCCESS)


async def test_games_add_for_an_unknown_tenant_fails(cli_env: str, tenant: Tenant) -> None:
    args = ["--tenant", "nosuchtenant", "--game-id", PUMPKIN, "--name", "P", "--json"]
    result = await invoke("games", "add", *args)
    assert result.exit_code != 0


async def stored_partner(container: Container, tenant: Tenant) -> str:
    """Everything the credential store gives back about the partner, as text."""
    credentials = await container.credentials.list(tenant.pk)
    partners = [k for k in credentials if k.kind == PARTNER]
    assert len(partners) == 1
    assert partners[0].attributes["secure_login"] == "S100"
    return json.dumps(partners[0].attributes) + repr(partners[0])


async def test_the_signing_secret_is_not_stored_in_plain_text(
    container: Container, tenant: Tenant, database_url: str
) -> None:
    await create_partner(container, tenant.name, TEST_ACTOR, "S100", "TOK-0001", "testKey")
    stored = await stored_partner(container, tenant)
    assert "testKey" not in stored
    if database_url.startswith("sqlite:///"):
        path = Path(database_url.removeprefix("sqlite:///"))
        for file in (path, path.with_name(path.name + "-wal")):
            if file.exists():
                assert b"testKey" not in file.read_bytes()


async def test_the_partner_token_is_not_stored_in_plain_text(
    container: Container, tenant: Tenant
) -> None:
    """partners.py: the token is "stored as SHA-256"; the credential's display prefix must not
    give the whole token back (it is the first 10 characters of the secret)."""
    await create_partner(container, tenant.name, TEST_ACTOR, "S100", "TOK-0001", "testKey")
    assert "TOK-0001" not in await stored_partner(container, tenant)
