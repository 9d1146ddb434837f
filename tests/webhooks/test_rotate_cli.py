"""``sessionary webhooks rotate-secret`` against a real database and a real receiver."""

from __future__ import annotations

import asyncio

from standardwebhooks import Webhook as StandardWebhook

from sessionary.bootstrap import build
from sessionary.cli import app
from sessionary.config import Settings
from sessionary.services.sessions import OpenRequest
from tests.conftest import TEST_ACTOR
from tests.e2e.test_cli import invoke_json, runner

from .conftest import readme_verifier
from .receiver import Receiver
from .test_cli import cli_env

__all__ = ["cli_env"]  # the fixture, shared with test_cli.py


def _open_one(database_url: str) -> None:
    async def work() -> None:  # the CLI has no open command: the API's service does it
        c = build(Settings(database_url=database_url))
        try:
            tenant = await c.tenants.find("acme")
            await c.sessions.open(tenant.pk, OpenRequest("user", "u1"), TEST_ACTOR)
        finally:
            await c.close()

    asyncio.run(work())


def test_rotate_secret_prints_the_new_secret_and_both_secrets_sign_during_the_overlap(
    cli_env: str, receiver: Receiver
) -> None:
    invoke_json("tenants", "create", "acme")
    created = invoke_json("webhooks", "create", "--tenant", "acme", "--url", receiver.url)
    rotated = invoke_json(
        "webhooks", "rotate-secret", created["id"], "--tenant", "acme", "--overlap-s", "600"
    )
    assert rotated["id"] == created["id"] and rotated["secret"] != created["secret"]
    assert rotated["previous_secret_expires_at"].endswith("Z")

    _open_one(cli_env)
    invoke_json("webhooks", "deliver")

    [post] = receiver.posts
    for secret in (rotated["secret"], created["secret"]):
        StandardWebhook(secret).verify(post.body, post.headers)  # raises if not signed
        assert readme_verifier()(secret, post.headers, post.body)


def test_rotate_secret_without_json_says_the_secret_is_shown_once(
    cli_env: str, receiver: Receiver
) -> None:
    invoke_json("tenants", "create", "acme")
    created = invoke_json("webhooks", "create", "--tenant", "acme", "--url", receiver.url)
    args = ["webhooks", "rotate-secret", created["id"], "--tenant", "acme", "--overlap-s", "0"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "shown once" in result.output and "no longer signs" in result.output


def test_rotate_secret_refuses_an_unknown_webhook_and_an_overlap_out_of_range(
    cli_env: str,
) -> None:
    invoke_json("tenants", "create", "acme")
    unknown = runner.invoke(app, ["webhooks", "rotate-secret", "wh_x", "--tenant", "acme"])
    assert unknown.exit_code == 1 and "no such webhook" in unknown.output
    for overlap in ("-1", "2592001", "soon"):
        args = ["webhooks", "rotate-secret", "wh_x", "--tenant", "acme", "--overlap-s", overlap]
        assert runner.invoke(app, args).exit_code == 2
