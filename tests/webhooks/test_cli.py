"""``sessionary webhooks`` against a real database and a real receiver."""

from __future__ import annotations

import asyncio

import pytest

from sessionary.bootstrap import build
from sessionary.cli import app
from sessionary.config import Settings
from sessionary.services.sessions import OpenRequest
from tests.conftest import TEST_ACTOR
from tests.e2e.test_cli import invoke_json, runner

from .conftest import LOCAL_RECEIVERS, readme_legacy_verifier, readme_verifier
from .receiver import Receiver


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("SESSIONARY_DATABASE_URL", database_url)
    monkeypatch.setenv("SESSIONARY_WEBHOOK_ALLOWED_NETWORKS", LOCAL_RECEIVERS)
    return database_url


def test_create_prints_id_and_secret_and_deliver_posts_signed_records(
    cli_env: str, receiver: Receiver
) -> None:
    invoke_json("tenants", "create", "acme")
    created = invoke_json(
        "webhooks", "create", "--tenant", "acme", "--url", receiver.url, "--event", "opened"
    )
    assert created["id"].startswith("wh_") and created["secret"].startswith("whsec_")
    assert invoke_json("webhooks", "list", "--tenant", "acme")[0]["id"] == created["id"]

    async def open_one() -> str:  # the CLI has no open command: the API's service does it
        c = build(Settings(database_url=cli_env))
        try:
            tenant = await c.tenants.find("acme")
            return (await c.sessions.open(tenant.pk, OpenRequest("user", "u1"), TEST_ACTOR)).id
        finally:
            await c.close()

    sid = asyncio.run(open_one())
    assert invoke_json("webhooks", "deliver")["processed"] >= 2
    [post] = receiver.posts
    assert post.session_id == sid
    assert readme_verifier()(created["secret"], post.headers, post.body)
    signature = post.headers["Sessionary-Signature"]
    assert readme_legacy_verifier()(created["secret"], signature, post.body)
    [delivery] = invoke_json("webhooks", "deliveries", created["id"], "--tenant", "acme")
    assert delivery["status"] == "delivered"
    replay = invoke_json(
        "webhooks", "replay", created["id"], "--tenant", "acme", "--from", delivery["event_id"]
    )
    assert replay == {"requeued": 1}


def test_an_unknown_event_type_is_refused_with_a_message(cli_env: str) -> None:
    invoke_json("tenants", "create", "acme")
    result = runner.invoke(
        app,
        ["webhooks", "create", "--tenant", "acme", "--url", "http://127.0.0.1:1/", "--event", "x"],
    )
    assert result.exit_code == 1
    assert "unknown event types" in result.output
