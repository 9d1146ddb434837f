"""Fixtures of spec §10: company C ("acme") with keys kr/kw/krw/kadm, a READ key of company C2
("globex"), the RUFUS client, and the device D / session T1 the checks build on."""

from __future__ import annotations

import httpx
import pytest

from sessionary.bootstrap import Container
from sessionary.dialects.rufus.keys import create_key
from sessionary.domain.model import Tenant
from tests.conftest import TEST_ACTOR

from .helpers import CHECK11_PASSINGS, Rufus


async def issue(container: Container, company: str, access: str, can_unbind: bool = False) -> str:
    key = await create_key(container, company, access, can_unbind, f"{access} key", TEST_ACTOR)
    return key.api_key


@pytest.fixture
async def kr(container: Container, tenant: Tenant) -> str:
    return await issue(container, tenant.name, "READ")


@pytest.fixture
async def kw(container: Container, tenant: Tenant) -> str:
    return await issue(container, tenant.name, "WRITE")


@pytest.fixture
async def krw(container: Container, tenant: Tenant) -> str:
    return await issue(container, tenant.name, "READ_WRITE")


@pytest.fixture
async def kadm(container: Container, tenant: Tenant) -> str:
    return await issue(container, tenant.name, "READ_WRITE", can_unbind=True)


@pytest.fixture
async def kr2(container: Container, other_tenant: Tenant) -> str:
    """A READ key of the second company C2."""
    return await issue(container, other_tenant.name, "READ")


@pytest.fixture
async def kw2(container: Container, other_tenant: Tenant) -> str:
    """A WRITE key of the second company C2."""
    return await issue(container, other_tenant.name, "WRITE")


@pytest.fixture
def rufus(client: httpx.AsyncClient, container: Container) -> Rufus:
    envelope = container.settings.rufus_envelope == "body"
    return Rufus(client, envelope, container.settings.rufus_prefix)


@pytest.fixture
async def device(rufus: Rufus, kw: str) -> str:
    """D: bound with the body of check 1."""
    return await rufus.bind(kw)


@pytest.fixture
async def t1(rufus: Rufus, kw: str, device: str) -> str:
    """T1: the session of check 8 (alias START-5K), still empty."""
    return await rufus.start(kw, device, "START-5K")


@pytest.fixture
async def t1_loaded(rufus: Rufus, kw: str, t1: str) -> str:
    """T1 holding the two passings of check 11."""
    response = await rufus.insert(kw, t1, CHECK11_PASSINGS)
    assert response.status_code == 201, response.text
    return t1
