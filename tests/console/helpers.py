"""Helpers for the console tests: operator keys, CSRF tokens scraped from forms, sign-in."""

from __future__ import annotations

import re

import httpx

from sessionary.bootstrap import Container
from sessionary.services.credentials import NewCredential
from tests.conftest import TEST_ACTOR

_TOKEN = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def operator_key(container: Container) -> tuple[str, str]:
    """A fresh operator (system) key: (credential id, secret)."""
    new = NewCredential(tenant_pk=None, scopes=("system",), name="ops")
    issued = await container.credentials.issue(new, TEST_ACTOR)
    return issued.credential.id, issued.secret


def csrf_of(html: str) -> str:
    found = _TOKEN.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


async def token_from(client: httpx.AsyncClient, path: str) -> str:
    page = await client.get(path)
    assert page.status_code == 200, page.text
    return csrf_of(page.text)


async def sign_in(client: httpx.AsyncClient, secret: str) -> httpx.Response:
    token = await token_from(client, "/admin/sign-in")
    return await client.post("/admin/sign-in", data={"key": secret, "_csrf_token": token})


async def signed_in(client: httpx.AsyncClient, container: Container) -> str:
    """Sign in with a new operator key; returns the key's id."""
    key_id, secret = await operator_key(container)
    answer = await sign_in(client, secret)
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/admin"
    return key_id


async def post_form(
    client: httpx.AsyncClient, page: str, action: str, data: dict[str, str] | None = None
) -> httpx.Response:
    """Post ``data`` to ``action`` with the CSRF token of a form on ``page``."""
    token = await token_from(client, page)
    return await client.post(action, data={**(data or {}), "_csrf_token": token})
