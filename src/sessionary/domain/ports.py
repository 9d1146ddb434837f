"""Ports: what the services need from storage and the outside world (implemented elsewhere)."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol, Self

from .changes import Change, Changed, Opening
from .model import (
    JSON,
    AuditEntry,
    Credential,
    Event,
    LifecycleRecord,
    Micros,
    NewEvent,
    Subject,
    Tenant,
    TenantPolicy,
)
from .session import Session, Status
from .webhooks import Delivery, Webhook
from .work import WorkItem


class Clock(Protocol):
    def now(self) -> Micros: ...


@dataclass(slots=True, frozen=True)
class SessionFilter:
    now: Micros
    status: Status | None = None
    subject_kind: str | None = None
    subject_id: str | None = None
    scope: str | None = None
    opened_from: Micros | None = None
    opened_to: Micros | None = None
    dialect: str | None = None


@dataclass(slots=True, frozen=True)
class UsageRow:
    day: int  # days since the epoch, UTC
    opened: int
    ended: int
    billed_minutes: int


@dataclass(slots=True, frozen=True)
class SubjectTotals:
    sessions: int
    events: int
    last_activity_at: Micros | None


class TenantRepository(Protocol):
    async def add(self, id: str, name: str, policy: TenantPolicy, at: Micros) -> Tenant: ...
    async def get(self, pk: int) -> Tenant | None: ...
    async def by_name(self, name: str) -> Tenant | None: ...
    async def by_id(self, id: str) -> Tenant | None: ...
    async def list(self) -> list[Tenant]: ...
    async def update_policy(self, pk: int, policy: TenantPolicy) -> None: ...
    async def update_settings(self, pk: int, settings: dict[str, Any]) -> None: ...


class CredentialRepository(Protocol):
    async def add(self, credential: Credential) -> Credential: ...
    async def by_digest(self, digest: str) -> Credential | None: ...
    async def by_id(self, tenant_pk: int | None, id: str) -> Credential | None: ...
    async def list(self, tenant_pk: int | None) -> list[Credential]: ...
    async def revoke(self, pk: int, at: Micros) -> None: ...
    async def mark_used(self, pk: int, at: Micros) -> None: ...
    async def count_live(self, tenant_pk: int, kind: str) -> int: ...
    async def any_system(self) -> bool: ...
    async def trim_named(self, tenant_pk: int, kind: str, name: str, keep: int) -> int: ...
    async def purge_revoked_before(self, before: Micros, limit: int) -> int: ...
    async def purge_expired_before(self, before: Micros, limit: int) -> int: ...


class SubjectRepository(Protocol):
    async def get_or_add(
        self, tenant_pk: int, kind: str, external_id: str, at: Micros
    ) -> Subject: ...
    async def find(self, tenant_pk: int, kind: str, external_id: str) -> Subject | None: ...
    async def lock(self, pk: int) -> None: ...
    async def find_by_attribute(
        self, tenant_pk: int, kind: str, key: str, value: str
    ) -> Subject | None: ...
    async def list(
        self,
        tenant_pk: int,
        kind: str | None,
        after: str | None,
        limit: int,
        offset: int = 0,
        having: str | None = None,
    ) -> builtins.list[Subject]: ...
    async def count(self, tenant_pk: int, kind: str | None, having: str | None = None) -> int: ...
    async def delete(self, pk: int) -> None: ...
    async def set_attributes(self, pk: int, attributes: JSON) -> None: ...


class SessionRepository(Protocol):
    async def open(self, req: Opening) -> Session | None:
        """None, having changed nothing: the tenant is gone, or the subject is not there."""
        ...

    async def change(self, change: Change) -> Changed: ...
    async def append(self, change: Change, batch: Sequence[NewEvent]) -> Changed: ...
    async def get(self, tenant_pk: int, id: str) -> Session | None: ...
    async def read(self, tenant_pk: int, id: str) -> Session | None: ...
    async def get_by_pk(self, pk: int) -> Session | None: ...
    async def lock(self, tenant_pk: int, id: str) -> Session | None: ...
    async def lock_live_of_subject(
        self, tenant_pk: int, subject_pk: int, scope: str | None, any_scope: bool
    ) -> list[Session]: ...
    async def lock_all_of_subject(
        self, tenant_pk: int, subject_pk: int
    ) -> builtins.list[Session]: ...
    async def list(
        self, tenant_pk: int, flt: SessionFilter, after: str | None, limit: int
    ) -> builtins.list[Session]: ...
    async def usage(
        self, tenant_pk: int, day_from: int, day_to: int, subject_kind: str | None, now: Micros
    ) -> builtins.list[UsageRow]: ...
    async def ended_between(
        self,
        tenant_pk: int,
        lo: Micros,
        hi: Micros,
        subject_kind: str | None,
        now: Micros,
        after: tuple[Micros, int] | None,
        limit: int,
    ) -> builtins.list[Session]: ...
    async def count_by_status(self, tenant_pk: int | None) -> dict[str, int]: ...
    async def lock_owner(self, tenant_pk: int, owner: str) -> None: ...
    async def subject_totals(
        self, tenant_pk: int, subject_pks: builtins.list[int], dialect: str | None = None
    ) -> dict[int, SubjectTotals]: ...
    async def purge_ended_before(self, tenant_pk: int, before: Micros, limit: int) -> int: ...


class EventRepository(Protocol):
    async def existing_keys(self, session_pk: int, keys: Sequence[str]) -> set[str]: ...
    async def add_many(self, tenant_pk: int, events: Sequence[Event]) -> None: ...
    async def list(
        self, session_pk: int, after_seq: int, to_seq: int | None, limit: int
    ) -> builtins.list[Event]: ...
    async def delete_for_session(self, session_pk: int) -> None: ...
    async def list_by_ordinal(
        self,
        session_pk: int,
        ordinals: tuple[int | None, int | None],
        time_range: tuple[Micros | None, Micros | None],
        page: tuple[int, int],
    ) -> builtins.list[Event]: ...
    async def list_for_subject(
        self,
        tenant_pk: int,
        subject_pk: int,
        time_from: Micros | None,
        time_to: Micros | None,
        offset: int,
        limit: int,
    ) -> builtins.list[tuple[str, Event]]: ...
    async def time_bounds(self, session_pk: int) -> tuple[Micros | None, Micros | None]: ...


class LifecycleRepository(Protocol):
    async def add(self, record: LifecycleRecord) -> None: ...
    async def stream(
        self,
        tenant_pk: int,
        after: tuple[int, int],
        limit: int,
        types: builtins.list[str] | None = None,
        session_id: str | None = None,
    ) -> builtins.list[LifecycleRecord]: ...
    async def head(self, tenant_pk: int) -> tuple[int, int]: ...
    async def position_of(self, tenant_pk: int, id: int) -> tuple[int, int] | None: ...
    async def get(self, id: int) -> LifecycleRecord | None: ...
    async def purge_before(self, tenant_pk: int, before: Micros, limit: int) -> int: ...
    async def for_session(self, session_pk: int) -> builtins.list[LifecycleRecord]: ...


class AuditRepository(Protocol):
    async def add(self, entry: AuditEntry) -> None: ...
    async def list(
        self, tenant_pk: int | None, limit: int, before_id: int | None = None
    ) -> builtins.list[AuditEntry]: ...


@dataclass(slots=True, frozen=True)
class StoredResponse:
    request_hash: str
    status: int | None
    body: bytes | None
    created_at: Micros


class IdempotencyRepository(Protocol):
    async def claim(
        self, scope_key: str, request_hash: str, at: Micros, stale_before: Micros
    ) -> StoredResponse | None: ...
    async def complete(self, scope_key: str, claimed_at: Micros, status: int, body: bytes) -> None:
        """Store the answer, if the claim made at ``claimed_at`` is still the key's."""
        ...

    async def release(self, scope_key: str, claimed_at: Micros) -> None:
        """Drop the claim made at ``claimed_at``, if it is still the key's."""
        ...

    async def purge(self, before: Micros) -> int: ...


@dataclass(slots=True, frozen=True)
class WorkFilter:
    subject_pk: int | None = None
    subject_prefix: str | None = None  # subjects whose external id starts with this
    status: str | None = None
    scope: str | None = None
    opened_from: Micros | None = None
    opened_to: Micros | None = None


class WorkRepository(Protocol):
    async def add(self, item: WorkItem) -> WorkItem: ...
    async def lock(self, tenant_pk: int, id: str) -> WorkItem | None: ...
    async def get(self, tenant_pk: int, id: str) -> WorkItem | None: ...
    async def lock_open(
        self, tenant_pk: int, subject_pk: int, scope: str | None, any_scope: bool
    ) -> builtins.list[WorkItem]: ...
    async def lock_settling(self, limit: int) -> builtins.list[WorkItem]: ...
    async def lock_stale_open(self, before: Micros, limit: int) -> builtins.list[WorkItem]: ...
    async def save(self, item: WorkItem) -> None: ...
    async def find(
        self, tenant_pk: int, flt: WorkFilter, offset: int, limit: int
    ) -> tuple[builtins.list[WorkItem], int]: ...


class WebhookRepository(Protocol):
    async def add(self, hook: Webhook) -> Webhook: ...
    async def get(self, tenant_pk: int, id: str) -> Webhook | None: ...
    async def by_pk(self, pk: int) -> Webhook | None: ...
    async def list(self, tenant_pk: int) -> builtins.list[Webhook]: ...
    async def save(self, hook: Webhook) -> None: ...
    async def set_secrets(self, hook: Webhook) -> None: ...
    async def forget_expired_secrets(self, now: Micros) -> int: ...
    async def remove(self, pk: int) -> None: ...
    async def lock_active(self, limit: int) -> builtins.list[Webhook]: ...
    async def set_cursor(self, pk: int, cursor: tuple[int, int]) -> None: ...
    async def enqueue(self, rows: builtins.list[dict[str, Any]]) -> None: ...
    async def claim_due(
        self, now: Micros, lease_until: Micros, limit: int
    ) -> builtins.list[Delivery]: ...
    async def finish(self, delivery: Delivery) -> None: ...
    async def deliveries(
        self, webhook_pk: int, status: str | None, after_pk: int | None, limit: int
    ) -> builtins.list[Delivery]: ...
    async def replay(self, webhook_pk: int, from_lifecycle_id: int, now: Micros) -> int: ...
    async def backlog(self) -> dict[str, int]: ...
    async def purge_finished(self, before: Micros, limit: int) -> int: ...


@dataclass(slots=True, frozen=True)
class SealedValue:
    key: int | str  # the row's primary key, where the value is written back
    sealed: bytes  # the Fernet token as stored


class SealedRepository(Protocol):
    """Every place that stores a value sealed under ``SESSIONARY_SECRET_KEY``: storage keeps
    the one list of them, for the start-up check and for resealing after a key rotation."""

    def places(self) -> builtins.list[str]: ...
    async def count(self, place: str) -> int: ...
    async def page(
        self, place: str, after: int | str | None, limit: int
    ) -> builtins.list[SealedValue]:
        """Up to ``limit`` values in primary-key order, after the key ``after``."""
        ...

    async def swap(self, place: str, changes: Sequence[tuple[SealedValue, bytes]]) -> int:
        """Write each new value where the value read is still stored (compare-and-set);
        answers how many were written (the others changed meanwhile)."""
        ...


class UnitOfWork(Protocol):
    tenants: TenantRepository
    credentials: CredentialRepository
    subjects: SubjectRepository
    sessions: SessionRepository
    events: EventRepository
    lifecycle: LifecycleRepository
    audit: AuditRepository
    idempotency: IdempotencyRepository
    work: WorkRepository
    webhooks: WebhookRepository
    sealed: SealedRepository

    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    async def commit(self) -> None: ...
    async def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, write: bool = True) -> UnitOfWork: ...


@dataclass(frozen=True, slots=True)
class PoolUse:
    """This process's database connections: how many it may hold (``size``), how many units of
    work hold one now, how many of those are past ``size`` (overflow) and how many units of
    work wait for one (on SQLite, the writer queue; on PostgreSQL, opening one counts too)."""

    size: int
    checked_out: int
    overflow: int
    waiting: int


class StorageProbe(Protocol):
    """What readiness and the metrics ask of the database: not for request paths."""

    def pool_use(self) -> PoolUse: ...

    async def ping(self) -> bool: ...
    async def write_problem(self, min_free_bytes: int) -> str | None:
        """Why a new connection could not write now (read-only, standby, disk full), or None."""

    async def schema_problem(self) -> tuple[bool, str | None]:
        """Whether this code serves the schema, and why not (or that it is ahead, compatible)."""
