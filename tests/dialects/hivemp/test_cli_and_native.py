"""``sessionary hivemp accounts|keys create`` and the native ``POST /v1/hivemp/accounts``."""

from __future__ import annotations

import json
import re

import anyio
import httpx
import pytest
from typer.testing import CliRunner, Result

from sessionary.bootstrap import Container
from sessionary.cli import app
from sessionary.domain.model import Subject, Tenant
from sessionary.domain.scopes import SESSIONS_READ
from tests.conftest import key_headers

from .helpers import ACCOUNT_ID, EMAIL, Hive, assert_ok, password_hash, quickstart

HEX32 = re.compile(r"^[0-9a-f]{32}$")
runner = CliRunner()


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("SESSIONARY_DATABASE_URL", database_url)
    return database_url


async def invoke(*args: str) -> Result:
    """The CLI runs its own event loop, so it runs in a worker thread here."""
    return await anyio.to_thread.run_sync(lambda: runner.invoke(app, ["hivemp", *args]))


async def cli_json(*args: str) -> dict[str, object]:
    result = await invoke(*args, "--json")
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert isinstance(printed, dict)
    return printed


async def test_the_cli_creates_an_account_and_a_public_key_that_log_in(
    cli_env: str, hive: Hive, tenant: Tenant
) -> None:
    account = await cli_json(
        "accounts", "create", "--tenant", "acme", "--email", "Cli@Example.com", "--password", "pw"
    )
    assert list(account) == ["id", "email", "admin"]
    assert ACCOUNT_ID.match(str(account["id"]))
    assert account["email"] == "cli@example.com" and account["admin"] is False
    key = await cli_json("keys", "create", "--tenant", "acme", "--type", "public")
    assert list(key) == ["api_key", "type"]
    assert key["type"] == "public" and HEX32.match(str(key["api_key"]))
    body = quickstart("cli@example.com", password_hash("pw"))
    session = await hive.login(str(key["api_key"]), body)
    assert session["accountId"] == account["id"]


async def test_the_cli_creates_admin_accounts_and_admin_keys(
    cli_env: str, hive: Hive, session: dict[str, object], public_key: str
) -> None:
    account = await cli_json(
        "accounts", "create", "--tenant", "acme", "--email", "boss@example.com",
        "--password", "pw", "--admin",
    )  # fmt: skip
    assert account["admin"] is True
    admin = await cli_json("keys", "create", "--tenant", "acme", "--type", "ADMIN")
    assert admin["type"] == "admin"
    got = assert_ok(await hive.call("GET", str(admin["api_key"]), str(session["id"])))
    assert got["id"] == session["id"]
    body = quickstart("boss@example.com", password_hash("pw"), requestedRole="builtin:admin")
    assert (await hive.login(public_key, body))["metered"] is True


async def test_the_cli_prints_plain_text_without_json(cli_env: str, tenant: Tenant) -> None:
    result = await invoke("keys", "create", "--tenant", "acme", "--type", "public")
    assert result.exit_code == 0, result.output
    assert HEX32.match(result.stdout.split()[-1])


@pytest.mark.parametrize(
    "args",
    [
        ("keys", "create", "--tenant", "acme", "--type", "session"),
        ("keys", "create", "--tenant", "initech", "--type", "public"),
        ("accounts", "create", "--tenant", "acme", "--email", "x", "--password", "pw"),
        ("accounts", "create", "--tenant", "acme", "--email", EMAIL, "--password", "again"),
    ],
)
async def test_the_cli_refuses_bad_input_with_a_failing_exit_code(
    cli_env: str, account: Subject, args: tuple[str, ...]
) -> None:
    result = await invoke(*args, "--json")
    assert result.exit_code != 0
    assert not HEX32.search(result.stdout)


async def test_the_native_route_creates_an_account_that_authenticate_accepts(
    client: httpx.AsyncClient, hive: Hive, native: dict[str, str], public_key: str
) -> None:
    body = {"email": "native@example.com", "password": "s3cret", "admin": False}
    response = await client.post("/v1/hivemp/accounts", json=body, headers=native)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created == {"id": created["id"], "email": "native@example.com", "admin": False}
    assert ACCOUNT_ID.match(created["id"])
    login = quickstart("native@example.com", password_hash("s3cret"))
    assert (await hive.login(public_key, login))["accountId"] == created["id"]


async def test_the_native_subject_view_never_shows_the_password_hash(
    client: httpx.AsyncClient, native: dict[str, str]
) -> None:
    body = {"email": "native@example.com", "password": "s3cret", "admin": True}
    created = (await client.post("/v1/hivemp/accounts", json=body, headers=native)).json()
    response = await client.get(f"/v1/subjects/account/{created['id']}", headers=native)
    assert response.status_code == 200, response.text
    attributes = response.json()["attributes"]
    assert attributes == {"email": "native@example.com", "admin": True}
    listing = await client.get("/v1/subjects", params={"kind": "account"}, headers=native)
    for text in (response.text, listing.text):
        assert "_password" not in text
        assert "scrypt" not in text.lower()
        assert password_hash("s3cret") not in text


async def test_the_native_route_refuses_a_duplicate_email_with_409(
    client: httpx.AsyncClient, native: dict[str, str], account: Subject
) -> None:
    for email in (EMAIL, EMAIL.upper()):
        body = {"email": email, "password": "other"}
        response = await client.post("/v1/hivemp/accounts", json=body, headers=native)
        assert response.status_code == 409, response.text


async def test_the_native_route_needs_the_admin_scope_and_a_valid_body(
    client: httpx.AsyncClient, container: Container, tenant: Tenant, native: dict[str, str]
) -> None:
    reader = await key_headers(container, tenant.pk, SESSIONS_READ)
    body = {"email": "a@example.com", "password": "pw"}
    assert (await client.post("/v1/hivemp/accounts", json=body, headers=reader)).status_code == 403
    for bad in ({"email": "a@example.com"}, {**body, "role": "x"}, {**body, "password": ""}):
        response = await client.post("/v1/hivemp/accounts", json=bad, headers=native)
        assert 400 <= response.status_code < 500, response.text
    response = await client.post(
        "/v1/hivemp/accounts", json={"email": "nope", "password": "pw"}, headers=native
    )
    assert 400 <= response.status_code < 500
