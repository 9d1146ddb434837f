"""The fixture of spec §8, built through the real API: partner S100 (token TOK-0001, secret
testKey) in tenant acme, games lm_1_pumpkinfarm and lm_2_kellyswheeldouble, player tester started
in both by Gen B StartGame, and round R1 InProgress in pumpkinfarm."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest

from sessionary.bootstrap import Container
from sessionary.dialects.casino.partners import add_game, create_partner
from sessionary.domain.model import Tenant
from tests.conftest import TEST_ACTOR, key_headers

from .helpers import KELLY, PUMPKIN, S100, SECRET, TOK, Casino


@dataclass(frozen=True, slots=True)
class World:
    """The §8 fixture: game tokens and session ids of tester's two games, and R1."""

    casino: Casino
    container: Container
    tenant: Tenant
    pumpkin: str
    kelly: str
    pumpkin_session: str
    kelly_session: str
    r1: str


@pytest.fixture
def casino(client: httpx.AsyncClient, container: Container) -> Casino:
    return Casino(client, container.settings.casino_prefix)


@pytest.fixture
async def partner(container: Container, tenant: Tenant) -> str:
    """S100 with its games; answers the Partner ID."""
    await create_partner(container, tenant.name, TEST_ACTOR, S100, TOK, SECRET)
    await add_game(container, tenant.name, PUMPKIN, "Pumpkin Farm", TEST_ACTOR)
    await add_game(container, tenant.name, KELLY, "Kelly's Wheel Double", TEST_ACTOR)
    return S100


@pytest.fixture
async def world(casino: Casino, container: Container, tenant: Tenant, partner: str) -> World:
    pumpkin = await casino.start_b(game=PUMPKIN)
    kelly = await casino.start_b(game=KELLY)
    r1 = await casino.new_round(pumpkin)
    sessions = []
    for token in (pumpkin, kelly):
        response = await casino.game(token)
        assert response.status_code == 200, response.text
        sessions.append(str(response.json()["sessionId"]))
    assert await casino.status(r1) == "InProgress"
    return World(casino, container, tenant, pumpkin, kelly, sessions[0], sessions[1], r1)


@pytest.fixture
async def native(container: Container, tenant: Tenant) -> dict[str, str]:
    """Headers of a native /v1 key of acme."""
    return await key_headers(container, tenant.pk)
