"""The blocking client's administration calls: usage, the tenant, keys, subjects, audit, and
the operator's tenants. ``Client`` inherits them."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from . import _calls as calls
from ._calls import Call, Page
from ._models import (
    AuditEntry,
    CreatedWebhook,
    Credential,
    Delivery,
    HiveMPAccount,
    IssuedCredential,
    RotatedSecret,
    Subject,
    Tenant,
    Usage,
    UsageRecord,
    Webhook,
)

T = TypeVar("T")


class SyncAdmin:
    def _run(self, call: Call[T]) -> T:
        raise NotImplementedError

    def _pages(self, fetch: Callable[[str | None], Call[Page[T]]]) -> Iterator[T]:
        raise NotImplementedError

    # -- usage (scope usage:read) -----------------------------------------------------------

    def usage(
        self,
        *,
        date_from: date | None = None,
        date_to: date | None = None,
        subject_kind: str | None = None,
    ) -> Usage:
        """Billed minutes and counts per UTC day, ``date_from``..``date_to`` inclusive
        (default: the last 30 days); a session counts on the day it ended."""
        return self._run(calls.usage(date_from, date_to, subject_kind))

    def usage_csv(
        self,
        *,
        date_from: date | None = None,
        date_to: date | None = None,
        subject_kind: str | None = None,
    ) -> str:
        """The same report as CSV text (``date,opened,ended,billed_minutes`` and a total row)."""
        return self._run(calls.usage_csv(date_from, date_to, subject_kind))

    def iter_usage_records(
        self,
        *,
        date_from: date | None = None,
        date_to: date | None = None,
        subject_kind: str | None = None,
        page_size: int = 500,
    ) -> Iterator[UsageRecord]:
        """Each session that ended in the range (UTC days, inclusive), ordered by end time,
        with its billed minutes and billing day; follows every page."""
        return self._pages(
            lambda cursor: calls.usage_records(date_from, date_to, subject_kind, cursor, page_size)
        )

    def usage_records_export(
        self,
        fmt: str = "csv",
        *,
        date_from: date | None = None,
        date_to: date | None = None,
        subject_kind: str | None = None,
    ) -> str:
        """The same records as one text: ``fmt="csv"`` or ``"cloudevents"`` (a JSON array of
        CloudEvents 1.0 for billing systems)."""
        return self._run(calls.usage_records_export(date_from, date_to, subject_kind, fmt))

    # -- the key's own tenant (scope admin) -------------------------------------------------

    def get_tenant(self) -> Tenant:
        """The key's tenant and its policy."""
        return self._run(calls.get_tenant())

    def set_tenant_policy(
        self,
        *,
        idle_timeout_s: int | None = None,
        max_lifetime_s: int | None = None,
        retention_days: int | None = None,
        allow_extend: bool = True,
    ) -> Tenant:
        """Replace the tenant's policy (defaults for new sessions, retention, extend)."""
        return self._run(
            calls.set_tenant_policy(
                idle_timeout_s=idle_timeout_s,
                max_lifetime_s=max_lifetime_s,
                retention_days=retention_days,
                allow_extend=allow_extend,
            )
        )

    def create_credential(
        self, scopes: Sequence[str], *, name: str | None = None, expires_at: datetime | None = None
    ) -> IssuedCredential:
        """Issue a key in the tenant; ``.secret`` is in this answer only."""
        return self._run(calls.create_credential(scopes, name, expires_at))

    def list_credentials(self) -> list[Credential]:
        """The tenant's keys (never their secrets)."""
        return self._run(calls.list_credentials())

    def revoke_credential(self, credential_id: str) -> Credential:
        """Revoke a key; it stops working at once on the node that revoked it."""
        return self._run(calls.revoke_credential(credential_id))

    def iter_subjects(self, *, kind: str | None = None, page_size: int = 500) -> Iterator[Subject]:
        """Every subject of the tenant (optionally of one ``kind``)."""
        return self._pages(lambda cursor: calls.list_subjects(kind, cursor, page_size))

    def get_subject(self, subject_kind: str, subject_id: str) -> Subject:
        return self._run(calls.get_subject(subject_kind, subject_id))

    def put_subject(
        self, subject_kind: str, subject_id: str, attributes: Mapping[str, Any]
    ) -> Subject:
        """Create the subject or replace its attributes."""
        return self._run(calls.put_subject(subject_kind, subject_id, dict(attributes)))

    def iter_audit(self, *, page_size: int = 100) -> Iterator[AuditEntry]:
        """The tenant's audit trail, newest first."""
        return self._pages(lambda cursor: calls.list_audit(cursor, page_size))

    # -- operator (scope system) ------------------------------------------------------------

    def create_tenant(
        self,
        name: str,
        *,
        idle_timeout_s: int | None = None,
        max_lifetime_s: int | None = None,
        retention_days: int | None = None,
        allow_extend: bool = True,
    ) -> Tenant:
        """Create a tenant (operator key)."""
        return self._run(
            calls.create_tenant(
                name,
                idle_timeout_s=idle_timeout_s,
                max_lifetime_s=max_lifetime_s,
                retention_days=retention_days,
                allow_extend=allow_extend,
            )
        )

    def list_tenants(self) -> list[Tenant]:
        """Every tenant (operator key)."""
        return self._run(calls.list_tenants())

    def find_tenant(self, name: str) -> Tenant:
        """A tenant by name or id (operator key)."""
        return self._run(calls.get_tenant(name))

    def create_tenant_credential(
        self,
        tenant: str,
        scopes: Sequence[str],
        *,
        name: str | None = None,
        expires_at: datetime | None = None,
    ) -> IssuedCredential:
        """Issue a key inside ``tenant`` (operator key), typically its first ``admin`` key."""
        return self._run(calls.create_credential(scopes, name, expires_at, tenant=tenant))

    def set_policy_of(
        self,
        tenant: str,
        *,
        idle_timeout_s: int | None = None,
        max_lifetime_s: int | None = None,
        retention_days: int | None = None,
        allow_extend: bool = True,
        rate_limit: Mapping[str, Any] | None = None,
    ) -> Tenant:
        """Replace ``tenant``'s policy (operator key), including its rate limit
        (``{"per_s": ..., "burst": ...}``; None: the global default)."""
        return self._run(
            calls.set_policy_of(
                tenant,
                rate_limit,
                idle_timeout_s=idle_timeout_s,
                max_lifetime_s=max_lifetime_s,
                retention_days=retention_days,
                allow_extend=allow_extend,
            )
        )

    def create_hivemp_account(
        self, email: str, password: str, *, admin: bool = False
    ) -> HiveMPAccount:
        """A HiveMP account (email and password) that the dialect's PUT /authenticate accepts."""
        return self._run(calls.create_hivemp_account(email, password, admin))

    # -- webhooks (scope admin) -------------------------------------------------------------

    def create_webhook(self, url: str, *, event_types: Sequence[str] = ()) -> CreatedWebhook:
        """Subscribe ``url`` to lifecycle records (all types, or ``event_types``); the signing
        ``.secret`` is in this answer only."""
        return self._run(calls.create_webhook(url, event_types))

    def list_webhooks(self) -> list[Webhook]:
        return self._run(calls.list_webhooks())

    def get_webhook(self, webhook_id: str) -> Webhook:
        return self._run(calls.get_webhook(webhook_id))

    def update_webhook(
        self,
        webhook_id: str,
        *,
        url: str | None = None,
        event_types: Sequence[str] | None = None,
        active: bool | None = None,
    ) -> Webhook:
        """Change the URL or the types, or pause (``active=False``) and resume delivery."""
        types = None if event_types is None else list(event_types)
        return self._run(
            calls.update_webhook(webhook_id, url=url, event_types=types, active=active)
        )

    def delete_webhook(self, webhook_id: str) -> None:
        self._run(calls.delete_webhook(webhook_id))

    def iter_deliveries(
        self, webhook_id: str, *, status: str | None = None, page_size: int = 100
    ) -> Iterator[Delivery]:
        """Deliveries oldest first; ``status="dead"`` is the dead-letter list."""
        return self._pages(
            lambda cursor: calls.list_deliveries(webhook_id, status, cursor, page_size)
        )

    def replay_webhook(self, webhook_id: str, from_event_id: int) -> int:
        """Deliver again every record from ``from_event_id`` on; the number requeued."""
        return self._run(calls.replay_webhook(webhook_id, from_event_id)).requeued

    def rotate_webhook_secret(
        self, webhook_id: str, *, overlap_s: int | None = None
    ) -> RotatedSecret:
        """A new signing ``.secret`` (in this answer only); the old one signs too for
        ``overlap_s`` seconds (default: the server's setting; 0: not at all)."""
        return self._run(calls.rotate_webhook_secret(webhook_id, overlap_s))
