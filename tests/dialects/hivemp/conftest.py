"""Fixtures of spec §11: project "acme" with the quickstart account test@example.com /
password "test", its public key P and admin key A, and the session S (key K) of check 1."""

from __future__ import annotations

import httpx
import pytest

from sessionary.bootstrap import Container
from sessionary.dialects.hivemp.accounts import create_account
from sessionary.dialects.hivemp.keys import create_key
from sessionary.domain.model import Subject, Tenant
from tests.conftest import TEST_ACTOR, key_headers

from .helpers import EMAIL, PASSWORD, Hive, JsonObject

ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "admin-password"


@pytest.fixture
def hive(client: httpx.AsyncClient) -> Hive:
    return Hive(client)


@pytest.fixture
async def account(container: Container, tenant: Tenant) -> Subject:
    """The quickstart account: test@example.com, password ``test``, not an admin."""
    return await create_account(container, tenant.pk, EMAIL, PASSWORD, False, TEST_ACTOR)


@pytest.fixture
async def admin_account(container: Container, tenant: Tenant) -> Subject:
    """An account that may open ``builtin:admin`` sessions."""
    return await create_account(container, tenant.pk, ADMIN_EMAIL, ADMIN_PASSWORD, True, TEST_ACTOR)


@pytest.fixture
async def public_key(container: Container, tenant: Tenant) -> str:
    """P: the project's public key."""
    return await create_key(container, tenant.name, "public", TEST_ACTOR)


@pytest.fixture
async def admin_key(container: Container, tenant: Tenant) -> str:
    """A: an admin key of the project (not tied to a session)."""
    return await create_key(container, tenant.name, "admin", TEST_ACTOR)


@pytest.fixture
async def session(hive: Hive, account: Subject, public_key: str) -> JsonObject:
    """S: the ``authenticatedSession`` of check 1 (quickstart body with P)."""
    return await hive.login(public_key)


@pytest.fixture
def session_key(session: JsonObject) -> str:
    """K: the API key of S."""
    api_key = session["apiKey"]
    assert isinstance(api_key, str)
    return api_key


@pytest.fixture
async def native(container: Container, tenant: Tenant) -> dict[str, str]:
    """Headers of a native /v1 admin key of the same tenant, to look behind the dialect."""
    return await key_headers(container, tenant.pk)
