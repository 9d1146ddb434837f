"""A dialect plugs in without touching a core file: the "parrot" dialect of
``tests/http/plugin_dialect.py`` is installed by a setting alone, then served, listed in the
console and driven from the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from sessionary.bootstrap import Container, build
from sessionary.config import Settings, SettingsError, load_settings
from sessionary.dialects.registry import DialectError, installed
from sessionary.domain.model import Tenant, TenantPolicy
from sessionary.http.app import create_app
from tests.conftest import TEST_ACTOR
from tests.console.helpers import post_form, signed_in
from tests.support import FakeClock

from .helpers import assert_problem

PARROT = "tests.http.plugin_dialect:DIALECT"
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent / "sessionary"


@pytest.fixture
def parrot_settings(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("SESSIONARY_PARROT_WORD", "cracker")  # the plug-in's own settings
    return settings.model_copy(update={"extra_dialects": (PARROT,)})


@pytest.fixture
async def parrot(parrot_settings: Settings, clock: FakeClock) -> AsyncIterator[Container]:
    c = build(parrot_settings, clock=clock)
    yield c
    await c.close()


@pytest.fixture
async def parrot_client(parrot: Container) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(parrot)
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with app.lifespan(), httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


@pytest.fixture
async def acme(parrot: Container) -> Tenant:
    return await parrot.tenants.create("acme", TenantPolicy(), TEST_ACTOR)


async def test_the_plugged_in_dialect_serves_its_routes_with_its_own_settings(
    parrot_client: httpx.AsyncClient,
) -> None:
    answer = await parrot_client.get("/parrot/say/2")
    assert (answer.status_code, answer.json()) == (200, {"said": "cracker cracker"})
    native = await parrot_client.get("/v1/parrot/ping")
    assert (native.status_code, native.json()) == (200, {"pong": "parrot"})


async def test_the_plugged_in_dialect_answers_errors_in_its_own_shape(
    parrot_client: httpx.AsyncClient,
) -> None:
    refused = await parrot_client.get("/parrot/say/9")
    assert refused.status_code == 422
    assert refused.json() == {"squawk": "a parrot repeats one to three times", "code": 422}
    unknown = await parrot_client.get("/parrot/no-such-route")
    assert (unknown.status_code, unknown.json()["squawk"]) == (404, "no such perch")
    unauthenticated = await parrot_client.get("/parrot/whoami")
    assert (unauthenticated.status_code, unauthenticated.json()["code"]) == (401, 401)
    # Its renderer stops at its prefix: /v1 and the built-in dialects keep theirs.
    assert_problem(await parrot_client.get("/v1/parrot/nothing"), 404)
    rufus = await parrot_client.get("/rufus/v0/nothing")
    assert (rufus.status_code, rufus.json()) == (404, {"description": "Not found"})


async def test_a_key_from_its_provisioning_authenticates_on_its_routes(
    parrot_client: httpx.AsyncClient, parrot: Container, acme: Tenant
) -> None:
    (dialect,) = [d for d in installed((PARROT,)) if d.name == "parrot"]
    secret = await dialect.provisioning["create_key"](parrot, "acme", "kiwi", TEST_ACTOR)
    me = await parrot_client.get("/parrot/whoami", headers={"X-Parrot-Key": secret})
    assert (me.status_code, me.json()) == (200, {"nickname": "kiwi", "tenant_pk": acme.pk})


async def test_the_console_offers_and_creates_the_plugged_in_key_kind(
    parrot_client: httpx.AsyncClient, parrot: Container, acme: Tenant
) -> None:
    await signed_in(parrot_client, parrot)
    page = await parrot_client.get("/admin/keys", params={"tenant": "acme"})
    assert '<h3 id="new-parrot">Parrot key</h3>' in page.text
    assert 'id="parrot-nickname" name="nickname" maxlength="40"' in page.text
    created = await post_form(
        parrot_client,
        "/admin/keys?tenant=acme",
        "/admin/keys/create",
        {"tenant": "acme", "kind": "parrot", "nickname": "ara"},
    )
    assert created.status_code == 201, created.text
    assert "<h1>Parrot key created</h1>" in created.text
    (key,) = await parrot.credentials.list(acme.pk)
    assert (key.kind, key.attributes["nickname"]) == ("parrot", "ara")


def test_the_cli_adds_the_plugged_in_dialects_commands(database_url: str) -> None:
    env = {
        **os.environ,
        "SESSIONARY_DATABASE_URL": database_url,
        "SESSIONARY_EXTRA_DIALECTS": PARROT,
        "SESSIONARY_PARROT_WORD": "cracker",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }

    def sessionary(*args: str) -> str:
        done = subprocess.run(
            [str(BIN), *args], env=env, capture_output=True, text=True, timeout=60, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    assert json.loads(sessionary("parrot", "hello")) == {"said": "cracker"}
    sessionary("tenants", "create", "acme", "--json")
    made = json.loads(sessionary("parrot", "keys-create", "--tenant", "acme", "--nickname", "x"))
    assert made["nickname"] == "x" and made["api_key"].startswith("parrot-")
    assert (
        "parrot"
        not in subprocess.run(
            [str(BIN), "--help"],
            env={**env, "SESSIONARY_EXTRA_DIALECTS": ""},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        ).stdout
    )


def test_a_plug_in_path_that_names_no_dialect_is_refused_at_start() -> None:
    with pytest.raises(DialectError, match="cannot load dialect"):
        installed(("tests.http.no_such_module:DIALECT",))
    with pytest.raises(DialectError, match="not a Dialect"):
        installed(("tests.http.plugin_dialect:KIND",))
    with pytest.raises(DialectError, match="unique"):
        installed((PARROT, PARROT))
    with pytest.raises(SettingsError, match="SESSIONARY_EXTRA_DIALECTS"):
        load_settings(extra_dialects="not a path")


async def test_a_plug_in_on_a_taken_prefix_is_refused(
    parrot_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SESSIONARY_PARROT_PREFIX", "/pagos")
    container = build(parrot_settings)
    try:
        with pytest.raises(DialectError, match="prefixes"):
            create_app(container)
    finally:
        await container.close()
