"""Tenants: the isolated customers of the service, and their default policies."""

from __future__ import annotations

import re

from ..domain import ids, limits
from ..domain.errors import AlreadyExists, InvalidInput, TenantNotFound
from ..domain.model import SECOND, Actor, Micros, Tenant, TenantPolicy
from ..domain.ports import Clock, UnitOfWorkFactory
from .audit import record
from .ratelimit import Limit, limit_from_settings, valid_limit

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def check_policy(policy: TenantPolicy) -> None:
    """Timeouts and retention fit their INTEGER columns and the expiry arithmetic."""
    limits.check_timeout(policy.idle_timeout_s, "idle_timeout_s")
    limits.check_timeout(policy.max_lifetime_s, "max_lifetime_s")
    limits.check_int(policy.retention_days, "retention_days", 1, limits.MAX_RETENTION_DAYS)


class TenantService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock
        self._limits: dict[int, tuple[Micros, Limit | None]] = {}

    async def create(self, name: str, policy: TenantPolicy, actor: Actor) -> Tenant:
        check_policy(policy)
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
        check_policy(policy)
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

    async def rate_limit(self, tenant_pk: int, max_age_s: float) -> Limit | None:
        """The tenant's rate-limit override (None: the global default), from an in-process
        cache at most ``max_age_s`` old, so the request path adds no database round trip;
        a change made through this service is seen here at once."""
        now = self._clock.now()
        hit = self._limits.get(tenant_pk)
        if hit is not None and hit[0] > now:
            return hit[1]
        async with self._uow(write=False) as uow:
            tenant = await uow.tenants.get(tenant_pk)
            await uow.commit()
        limit = None if tenant is None else limit_from_settings(tenant.settings)
        if len(self._limits) >= 10_000:
            self._limits.clear()
        self._limits[tenant_pk] = (now + int(max_age_s * SECOND), limit)
        return limit

    async def set_rate_limit(self, tenant_pk: int, limit: Limit | None, actor: Actor) -> Tenant:
        """Override the global per-credential limit for this tenant (None: back to it)."""
        if limit is not None and (why := valid_limit(limit.per_s, limit.burst)) is not None:
            raise InvalidInput(why, field="rate_limit")
        now = self._clock.now()
        async with self._uow() as uow:
            tenant = await uow.tenants.get(tenant_pk)
            if tenant is None:
                raise TenantNotFound("no such tenant")
            settings = {k: v for k, v in tenant.settings.items() if k != "rate_limit"}
            if limit is not None:
                settings["rate_limit"] = limit.as_setting()
            await uow.tenants.update_settings(tenant_pk, settings)
            detail = None if limit is None else limit.as_setting()
            await record(uow, tenant_pk, actor, "tenant.rate_limit", tenant.id, now, limit=detail)
            await uow.commit()
        self._limits.pop(tenant_pk, None)
        tenant.settings = settings
        return tenant
