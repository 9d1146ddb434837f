"""Schema (SQLAlchemy Core). Times are BIGINT microseconds since the epoch, UTC, on both engines,
so expiry comparisons and usage arithmetic are the same SQL everywhere."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from ..domain import limits

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite only aliases the rowid for INTEGER PRIMARY KEY, so the key type varies by engine.
PK = BigInteger().with_variant(Integer(), "sqlite")
Json = JSON().with_variant(JSONB(), "postgresql")
Micros = BigInteger

tenants = Table(
    "tenants",
    metadata,
    Column("pk", PK, primary_key=True, autoincrement=True),
    Column("id", String(40), nullable=False, unique=True),
    Column("name", String(limits.TENANT_NAME), nullable=False, unique=True),
    Column("idle_timeout_s", Integer),
    Column("max_lifetime_s", Integer),
    Column("retention_days", Integer),
    Column("allow_extend", Boolean, nullable=False, server_default=text("true")),
    Column("settings", Json, nullable=False),
    Column("created_at", Micros, nullable=False),
)

subjects = Table(
    "subjects",
    metadata,
    Column("pk", PK, primary_key=True, autoincrement=True),
    Column("tenant_pk", PK, ForeignKey("tenants.pk", ondelete="CASCADE"), nullable=False),
    Column("kind", String(limits.SUBJECT_KIND), nullable=False),
    Column("external_id", String(limits.SUBJECT_ID), nullable=False),
    Column("attributes", Json, nullable=False),
    Column("created_at", Micros, nullable=False),
    UniqueConstraint("tenant_pk", "kind", "external_id"),
    Index("ix_subjects_external_id", "external_id"),  # console: find a subject in any tenant
)

sessions = Table(
    "sessions",
    metadata,
    Column("pk", PK, primary_key=True, autoincrement=True),
    Column("tenant_pk", PK, ForeignKey("tenants.pk", ondelete="CASCADE"), nullable=False),
    Column("id", String(limits.SESSION_ID), nullable=False),
    Column("subject_pk", PK, ForeignKey("subjects.pk", ondelete="CASCADE"), nullable=False),
    Column("scope", String(limits.SCOPE)),
    Column("alias", String(limits.ALIAS)),
    Column("status", String(16), nullable=False),
    Column("opened_at", Micros, nullable=False),
    Column("last_activity_at", Micros, nullable=False),
    Column("expires_at", Micros),
    Column("closed_at", Micros),
    Column("close_reason", String(32)),
    Column("idle_timeout_s", Integer),
    Column("max_lifetime_s", Integer),
    Column("metered", Boolean, nullable=False),
    Column("state", Json, nullable=False),
    Column("version", Integer, nullable=False),
    Column("last_seq", BigInteger, nullable=False),
    Column("dialect", String(32), nullable=False),
    Column("owner", String(limits.OWNER)),
    UniqueConstraint("tenant_pk", "id"),
    Index("ix_sessions_subject_live", "tenant_pk", "subject_pk", "status"),
    Index("ix_sessions_tenant_opened", "tenant_pk", "opened_at"),
    # The console: a tenant's sessions newest first (keyset on pk), counts by status, and
    # billed minutes by the day sessions ended, each from an index at 100k+ sessions.
    Index("ix_sessions_tenant_pk", "tenant_pk", "pk"),
    Index("ix_sessions_tenant_status", "tenant_pk", "status", "expires_at"),
    Index("ix_sessions_closed", "closed_at", "tenant_pk", "opened_at", "metered"),
    # Per-owner limits (Pagos clients) count an owner's live sessions on every open.
    Index(
        "ix_sessions_owner",
        "tenant_pk",
        "owner",
        "status",
        postgresql_where=text("owner IS NOT NULL"),
        sqlite_where=text("owner IS NOT NULL"),
    ),
    Index(
        "ix_sessions_due",
        "expires_at",
        postgresql_where=text("status = 'active'"),
        sqlite_where=text("status = 'active'"),
    ),
)

credentials = Table(
    "credentials",
    metadata,
    Column("pk", PK, primary_key=True, autoincrement=True),
    Column("id", String(40), nullable=False, unique=True),
    Column("tenant_pk", PK, ForeignKey("tenants.pk", ondelete="CASCADE")),
    Column("name", String(limits.CREDENTIAL_NAME)),
    Column("prefix", String(16), nullable=False),
    Column("digest", String(64), nullable=False, unique=True),
    Column("scopes", String(400), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("attributes", Json, nullable=False),
    Column("created_at", Micros, nullable=False),
    Column("expires_at", Micros),
    Column("revoked_at", Micros),
    Column("last_used_at", Micros),
    Column("bound_session_pk", PK, ForeignKey("sessions.pk", ondelete="CASCADE")),
    Index("ix_credentials_tenant", "tenant_pk"),
    Index("ix_credentials_bound", "bound_session_pk"),
    # A dialect's per-holder cap (a Pagos client's tokens carry the client id as their name).
    Index("ix_credentials_named", "tenant_pk", "kind", "name"),
    # The sweeper's purge of spent dialect credentials finds them by when they died.
    Index(
        "ix_credentials_revoked",
        "revoked_at",
        postgresql_where=text("revoked_at IS NOT NULL"),
        sqlite_where=text("revoked_at IS NOT NULL"),
    ),
    Index(
        "ix_credentials_expires",
        "expires_at",
        postgresql_where=text("expires_at IS NOT NULL"),
        sqlite_where=text("expires_at IS NOT NULL"),
    ),
)

events = Table(
    "events",
    metadata,
    Column("session_pk", PK, ForeignKey("sessions.pk", ondelete="CASCADE"), primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("tenant_pk", PK, nullable=False),
    Column("type", String(limits.EVENT_TYPE), nullable=False),
    Column("occurred_at", Micros, nullable=False),
    Column("recorded_at", Micros, nullable=False),
    Column("dedupe_key", String(limits.DEDUPE_KEY)),
    Column("ordinal", BigInteger),  # the client's own order number, when it has one
    Column("payload", Json, nullable=False),
    UniqueConstraint("session_pk", "dedupe_key"),
    Index("ix_events_ordinal", "session_pk", "ordinal"),
    Index("ix_events_tenant_time", "tenant_pk", "occurred_at"),
)

lifecycle = Table(
    "lifecycle",
    metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("tenant_pk", PK, nullable=False),
    Column("session_pk", PK, nullable=False),
    Column("session_id", String(limits.SESSION_ID), nullable=False),
    Column("type", String(32), nullable=False),
    Column("reason", String(32)),
    Column("at", Micros, nullable=False),
    Column("data", Json, nullable=False),
    # PostgreSQL: the writing transaction's id (storage/repositories/lifecycle.py); SQLite: 0.
    Column("tx", BigInteger, nullable=False, server_default=text("0")),
    Index("ix_lifecycle_tenant_tx", "tenant_pk", "tx", "id"),
    Index("ix_lifecycle_session", "session_pk"),
    Index("ix_lifecycle_at", "at"),
    sqlite_autoincrement=True,  # ids are cursors: never reuse one after retention
)

audit = Table(
    "audit",
    metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("tenant_pk", PK),
    Column("credential_pk", PK),
    Column("actor", String(32), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", String(limits.AUDIT_TARGET), nullable=False),
    Column("request_id", String(limits.REQUEST_ID)),
    Column("at", Micros, nullable=False),
    Column("detail", Json, nullable=False),
    Index("ix_audit_tenant", "tenant_pk", "id"),
)

idempotency = Table(
    "idempotency",
    metadata,
    Column("scope_key", String(400), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("status", Integer),
    Column("body", LargeBinary),
    Column("created_at", Micros, nullable=False),
    Index("ix_idempotency_created", "created_at"),
)

work_items = Table(
    "work_items",
    metadata,
    Column("pk", PK, primary_key=True, autoincrement=True),
    Column("tenant_pk", PK, ForeignKey("tenants.pk", ondelete="CASCADE"), nullable=False),
    Column("id", String(80), nullable=False),
    Column("subject_pk", PK, ForeignKey("subjects.pk", ondelete="CASCADE"), nullable=False),
    Column("scope", String(limits.SCOPE)),
    Column("session_pk", PK, nullable=False),
    Column("session_id", String(limits.SESSION_ID), nullable=False),
    Column("status", String(16), nullable=False),
    Column("opened_at", Micros, nullable=False),
    Column("updated_at", Micros, nullable=False),
    Column("closed_at", Micros),
    Column("data", Json, nullable=False),
    UniqueConstraint("tenant_pk", "id"),
    Index("ix_work_items_subject", "tenant_pk", "subject_pk", "scope", "status"),
    Index("ix_work_items_opened", "tenant_pk", "opened_at"),
    Index("ix_work_items_status", "status"),
)

webhooks = Table(
    "webhooks",
    metadata,
    Column("pk", PK, primary_key=True, autoincrement=True),
    Column("id", String(40), nullable=False, unique=True),
    Column("tenant_pk", PK, ForeignKey("tenants.pk", ondelete="CASCADE"), nullable=False),
    Column("url", String(limits.WEBHOOK_URL), nullable=False),
    Column("event_types", Json, nullable=False),  # [] means every type
    Column("secret_sealed", String(400), nullable=False),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("cursor_tx", BigInteger, nullable=False),  # position of the last record fanned out
    Column("cursor", BigInteger, nullable=False),
    Column("created_at", Micros, nullable=False),
    Column("disabled_at", Micros),
    # secret rotation: the secret before the last rotation signs too until it expires
    Column("previous_secret_sealed", String(400)),
    Column("previous_secret_expires_at", Micros),
    Index("ix_webhooks_tenant", "tenant_pk"),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("pk", PK, primary_key=True, autoincrement=True),
    Column("webhook_pk", PK, ForeignKey("webhooks.pk", ondelete="CASCADE"), nullable=False),
    Column("tenant_pk", PK, nullable=False),
    Column("lifecycle_id", BigInteger, nullable=False),
    Column("session_pk", PK, nullable=False),
    Column("status", String(16), nullable=False),  # pending, delivering, delivered, dead
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", Micros, nullable=False),
    Column("lease_until", Micros),
    Column("last_status", Integer),
    Column("last_error", String(500)),
    Column("created_at", Micros, nullable=False),
    Column("delivered_at", Micros),
    UniqueConstraint("webhook_pk", "lifecycle_id"),
    Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    Index("ix_webhook_deliveries_order", "webhook_pk", "session_pk", "lifecycle_id"),
)
