"""Entities of the core model. Times are integer microseconds since the UNIX epoch, UTC."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Micros = int
SECOND: Micros = 1_000_000
MINUTE: Micros = 60 * SECOND

JSON = dict[str, Any]


@dataclass(slots=True)
class TenantPolicy:
    """Defaults a tenant applies to sessions that do not bring their own policy."""

    idle_timeout_s: int | None = None
    max_lifetime_s: int | None = None
    retention_days: int | None = None
    allow_extend: bool = True


@dataclass(slots=True)
class Tenant:
    pk: int
    id: str
    name: str
    policy: TenantPolicy
    settings: JSON
    created_at: Micros


@dataclass(slots=True)
class Credential:
    pk: int
    id: str
    tenant_pk: int | None
    name: str | None
    prefix: str
    digest: str
    scopes: tuple[str, ...]
    kind: str
    created_at: Micros
    expires_at: Micros | None = None
    revoked_at: Micros | None = None
    last_used_at: Micros | None = None
    bound_session_pk: int | None = None
    attributes: JSON = field(default_factory=dict)

    def usable(self, now: Micros) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or now < self.expires_at


@dataclass(slots=True)
class Subject:
    pk: int
    tenant_pk: int
    kind: str
    external_id: str
    attributes: JSON
    created_at: Micros


@dataclass(slots=True, frozen=True)
class Principal:
    """Who is calling: the credential after authentication, as the services see it."""

    credential_pk: int
    credential_id: str
    tenant_pk: int | None
    scopes: frozenset[str]
    kind: str = "native"
    bound_session_pk: int | None = None
    attributes: tuple[tuple[str, Any], ...] = ()

    @property
    def is_system(self) -> bool:
        return self.tenant_pk is None and "system" in self.scopes

    def allows(self, scope: str) -> bool:
        return scope in self.scopes or "admin" in self.scopes or self.is_system


@dataclass(slots=True, frozen=True)
class Actor:
    """The principal behind a change plus the request that carried it, for the audit trail."""

    credential_pk: int | None
    request_id: str | None = None
    label: str = "api"


SYSTEM_ACTOR = Actor(credential_pk=None, label="system")


@dataclass(slots=True)
class Event:
    session_pk: int
    seq: int
    type: str
    occurred_at: Micros
    recorded_at: Micros
    dedupe_key: str | None
    payload: JSON
    ordinal: int | None = None


@dataclass(slots=True, frozen=True)
class NewEvent:
    type: str
    payload: JSON
    dedupe_key: str | None = None
    occurred_at: Micros | None = None
    ordinal: int | None = None


@dataclass(slots=True, frozen=True)
class LifecycleRecord:
    tenant_pk: int
    session_pk: int
    session_id: str
    type: str
    at: Micros
    reason: str | None = None
    data: JSON = field(default_factory=dict)
    id: int | None = None
    tx: int = 0  # the stream position's first half (see storage/repositories/lifecycle.py)


@dataclass(slots=True, frozen=True)
class AuditEntry:
    tenant_pk: int | None
    actor: Actor
    action: str
    target: str
    at: Micros
    detail: JSON = field(default_factory=dict)
    id: int | None = None
    credential_id: str | None = None
