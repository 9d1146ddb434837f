"""Tenants: the isolated customers of the service, and their default policies."""

from __future__ import annotations

import re

from ..domain import ids
from ..domain.errors import AlreadyExists, InvalidInput, TenantNotFound
from ..domain.model import Actor, Tenant, TenantPolicy
from ..domain.ports import Clock, UnitOfWorkFactory
from .audit import record

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


class TenantService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def create(self, name: str, policy: TenantPolicy, actor: Actor) -> Tenant:
        if not _NAME.match(name):
            raise InvalidInput(
                "a tenant name is 1-100 letters, digits, '.', '_' or '-'", field="name"
            )
        now = self._clock.now()
        async with self._uow() as uow:
            if await uow.tenants.by_name(name) is not None:
                raise AlreadyExists("a tenant with this name exists", name=name)
            tenant = await uow.tenants.add(ids.sortable_id("tn"), name, policy, now)
            await record(uow, tenant.pk, actor, "tenant.create", tenant.id, now)
            await uow.commit()
        return tenant

    async def list(self) -> list[Tenant]:
        async with self._uow(write=False) as uow:
            rows = await uow.tenants.list()
            await uow.commit()
        return rows

    async def find(self, name_or_id: str) -> Tenant:
        async with self._uow(write=False) as uow:
            tenant = await uow.tenants.by_id(name_or_id) or await uow.tenants.by_name(name_or_id)
            await uow.commit()
        if tenant is None:
            raise TenantNotFound("no such tenant", tenant=name_or_id)
        return tenant

    async def get(self, tenant_pk: int) -> Tenant:
        async with self._uow(write=False) as uow:
            tenant = await uow.tenants.get(tenant_pk)
            await uow.commit()
        if tenant is None:
            raise TenantNotFound("no such tenant")
        return tenant

    async def set_policy(self, tenant_pk: int, policy: TenantPolicy, actor: Actor) -> Tenant:
        now = self._clock.now()
        async with self._uow() as uow:
            tenant = await uow.tenants.get(tenant_pk)
            if tenant is None:
                raise TenantNotFound("no such tenant")
            await uow.tenants.update_policy(tenant_pk, policy)
            await record(uow, tenant_pk, actor, "tenant.policy", tenant.id, now)
            await uow.commit()
        tenant.policy = policy
        return tenant
