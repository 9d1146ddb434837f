"""The start-up check of the sealing key reads every kind of sealed value: webhook secrets,
casino partner secrets and stored idempotent responses; a wrong key opens none of them."""

from __future__ import annotations

import pytest

from sessionary.bootstrap import Container
from sessionary.dialects.casino.partners import create_partner
from sessionary.domain.model import Tenant
from sessionary.services.idempotency import Claim, fingerprint
from sessionary.services.sealing import Sealer, SealError, check_sealed
from tests.conftest import TEST_ACTOR


async def seal_one_of_each(container: Container, tenant: Tenant) -> None:
    await container.webhooks.create(tenant.pk, "https://93.184.215.14/in", [], TEST_ACTOR)
    await create_partner(container, tenant.name, TEST_ACTOR, "S100", "TOK-0001", "testKey")
    claim = await container.idempotency.begin("scope/key-1", fingerprint("POST", "/x", b"{}"))
    assert isinstance(claim, Claim)
    await container.idempotency.complete(claim, 201, b'{"secret":"shown once"}')


async def test_the_sample_holds_each_kind_of_sealed_value_and_opens_with_the_right_key(
    container: Container, tenant: Tenant
) -> None:
    await seal_one_of_each(container, tenant)
    samples = await container.database.sealed_samples()
    assert len(samples) == 3
    await check_sealed(container.sealer, samples)


async def test_another_key_opens_none_of_them(container: Container, tenant: Tenant) -> None:
    await seal_one_of_each(container, tenant)
    samples = await container.database.sealed_samples()
    with pytest.raises(SealError, match="3 of 3 sealed secrets"):
        await check_sealed(Sealer("another-key-of-at-least-32-characters!!"), samples)


async def test_a_database_without_sealed_values_passes(container: Container) -> None:
    assert await container.database.sealed_samples() == []
    await check_sealed(Sealer("any key will do for an empty database!!"), [])
