"""Reads run on the driver (storage/driver_reads.py) return exactly what the same query
returns through SQLAlchemy: whole entities compared, on both backends."""

from __future__ import annotations

from sessionary.bootstrap import Container
from sessionary.domain.model import Tenant
from sessionary.services.credentials import NewCredential, build_credential

ATTRIBUTES = {"clients": ["c1", "c2"], "name": "Grüße", "n": 2**62, "nested": {"x": None}}


async def test_a_subject_found_on_the_driver_is_the_subject_sqlalchemy_lists(
    container: Container, tenant: Tenant
) -> None:
    async with container.database.unit_of_work() as uow:
        added = await uow.subjects.get_or_add(tenant.pk, "application", "app-1", 1_000)
        await uow.subjects.set_attributes(added.pk, ATTRIBUTES)
        await uow.commit()
    async with container.database.unit_of_work(write=False) as uow:
        on_driver = await uow.subjects.find(tenant.pk, "application", "app-1")
        listed = await uow.subjects.list(tenant.pk, "application", None, 10)
        missing = await uow.subjects.find(tenant.pk, "application", "app-2")
        await uow.commit()
    assert on_driver == listed[0]
    assert on_driver is not None and on_driver.attributes == ATTRIBUTES
    assert missing is None


async def test_a_credential_found_on_the_driver_is_the_credential_sqlalchemy_finds(
    container: Container, tenant: Tenant
) -> None:
    new = NewCredential(
        tenant_pk=tenant.pk,
        scopes=("sessions:read", "sessions:write"),
        name="client-1",
        kind="pagos-client",
        attributes=ATTRIBUTES,
        expires_at=9_000_000,
    )
    credential, _ = build_credential(new, 1_000)
    async with container.database.unit_of_work() as uow:
        stored = await uow.credentials.add(credential)
        await uow.commit()
    async with container.database.unit_of_work(write=False) as uow:
        on_driver = await uow.credentials.by_id(tenant.pk, stored.id)
        through_sqlalchemy = await uow.credentials.by_digest(stored.digest)
        elsewhere = await uow.credentials.by_id(None, stored.id)
        await uow.commit()
    assert on_driver == through_sqlalchemy
    assert on_driver is not None and on_driver.attributes == ATTRIBUTES
    assert elsewhere is None
