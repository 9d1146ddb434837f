"""Typed settings from ``SESSIONARY_*`` environment variables, validated at start."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from .dialects.registry import parse_paths
from .domain.limits import WEBHOOK_SECRET_OVERLAP_S
from .services.sealing import parse_keys
from .storage.pgurl import PgUrlError, connect_kwargs

DEFAULT_DATABASE_URL = "sqlite:///./var/sessionary.db"
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
_URL_SCHEMES = ("sqlite:///", "postgresql://", "postgres://", "postgresql+asyncpg://")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SESSIONARY_", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    database_url: str = DEFAULT_DATABASE_URL
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    # granian's event loop in each worker: "auto" is uvloop (a dependency) where it imports.
    event_loop: Literal["auto", "uvloop", "asyncio"] = "auto"
    max_body_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)
    sweep_interval_s: float = Field(default=5.0, ge=0)
    # Rows per sweeper transaction. On SQLite a batch holds the event loop: 500 expiries took
    # 33-65 ms (a p99 of their own), 100 take ~11 ms (measured); the sweeper yields between.
    sweep_batch: int = Field(default=100, ge=1, le=10_000)
    auth_cache_ttl_s: float = Field(default=5.0, ge=0)
    max_event_batch: int = Field(default=5000, ge=1, le=5000)
    bulk_concurrency: int = Field(default=2, ge=1, le=64)  # large bodies in work per worker
    page_size_max: int = Field(default=500, ge=1)
    sqlite_synchronous: Literal["NORMAL", "FULL"] = "NORMAL"
    sqlite_busy_timeout_ms: int = Field(default=5000, ge=0)
    pg_pool_size: int = Field(default=20, ge=1, le=200)
    # No overflow by default: connections past the pool are closed as soon as they come back,
    # so under steady load above the pool they are opened and closed continuously. Requests
    # wait for a pooled connection instead (bounded by db_timeout_s). Measured, PostgreSQL 2
    # workers, 64 connections: close at 2,168-2,178/s with 0 against 1,160-1,215/s with 20.
    pg_max_overflow: int = Field(default=0, ge=0, le=200)
    db_timeout_s: float = Field(default=5.0, gt=0, le=300)  # connect, pool wait, each statement
    # "transaction" when DATABASE_URL is a transaction-pooling PgBouncer (its pool_mode): no
    # prepared statement outlives its exchange (README "Managed PostgreSQL and PgBouncer").
    pg_pool_mode: Literal["session", "transaction"] = "session"
    # Sealing keys, comma-separated, newest first (README "Rotating the sealing key").
    secret_key: SecretStr | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "text"] | None = None  # None: json in production, else text
    metrics_token: SecretStr | None = None  # when set, GET /metrics needs "Bearer <token>"
    metrics_cache_s: float = Field(default=5.0, ge=0)  # database-derived gauges, per process
    rate_limit_per_s: float = Field(default=0, ge=0)  # per credential and node; 0 = off
    rate_limit_burst: int = Field(default=100, ge=1)
    loop_lag_interval_s: float = Field(default=0.1, ge=0)  # event-loop lag probe; 0 = off
    loop_lag_warn_ms: float = Field(default=100.0, gt=0)  # log a stall at least this long
    webhook_interval_s: float = Field(default=1.0, ge=0)  # idle poll; 0 = no delivery worker
    webhook_timeout_s: float = Field(default=10.0, gt=0)
    webhook_batch: int = Field(default=50, ge=1, le=1000)
    webhook_max_attempts: int = Field(default=8, ge=1, le=100)
    webhook_backoff_base_s: float = Field(default=2.0, gt=0)
    webhook_backoff_max_s: float = Field(default=3600.0, gt=0)
    webhook_keep_delivered_days: int = Field(default=7, ge=1)
    # After a secret rotation the old secret signs too for this long (0: it stops at once).
    webhook_secret_overlap_s: int = Field(default=86_400, ge=0, le=WEBHOOK_SECRET_OVERLAP_S)
    # Networks webhooks may reach besides public addresses, for receivers on premises; a
    # comma-separated list of CIDRs, e.g. 10.20.0.0/16,fd00:1::/64 (see the README).
    webhook_allowed_networks: Annotated[tuple[IPNetwork, ...], NoDecode] = ()
    # Peers whose Forwarded / X-Forwarded-* headers are believed (README "Behind a proxy"):
    # CIDRs, comma-separated. Empty: every header of that kind is ignored.
    trusted_proxies: Annotated[tuple[IPNetwork, ...], NoDecode] = ()
    # The URL clients reach this server at (https://api.example.com/sessionary): every
    # absolute URL the server writes starts with it, whatever the request's headers say.
    public_url: str | None = None
    # Dialect-issued credentials (session keys, game tokens, bearer tokens) are deleted this
    # long after they were revoked or expired; until then they answer as "ended", then unknown.
    credential_purge_grace_days: float = Field(default=3.0, ge=0, le=3650)
    stream_poll_s: float = Field(default=0.5, gt=0)  # GET /v1/events: how often it looks
    stream_keepalive_s: float = Field(default=15.0, gt=0)
    hivemp_root: str = "/hivemp"  # the API is at <root>/v1, metadata at <root>/metadata.json
    casino_prefix: str = "/casino"
    pagos_prefix: str = "/pagos"
    pagos_idle_timeout_s: int = Field(default=300, ge=1)  # a tenant's policy overrides it
    pagos_max_sessions_per_client: int = Field(default=20, ge=1)
    pagos_token_ttl_s: int = Field(default=1_209_599, ge=60)
    # POST /token, per API node: tokens issued per client, and requests per source address.
    pagos_token_client_per_s: float = Field(default=0.1, ge=0, le=1_000_000)  # 0 = unlimited
    pagos_token_client_burst: int = Field(default=10, ge=1, le=1_000_000)
    pagos_token_source_per_s: float = Field(default=1.0, ge=0, le=1_000_000)  # 0 = unlimited
    pagos_token_source_burst: int = Field(default=30, ge=1, le=1_000_000)
    pagos_max_tokens_per_client: int = Field(default=100, ge=1, le=1_000_000)  # oldest deleted
    pagos_lockout_max_clients: int = Field(default=10_000, ge=1, le=10_000_000)
    rufus_prefix: str = "/rufus/v0"
    rufus_at_root: bool = False  # also serve the RUFUS dialect at /v0, as the vendor does
    rufus_envelope: Literal["flat", "body"] = "flat"
    rufus_max_keys: int = Field(default=10, ge=1, le=1000)
    # Dialect plug-ins besides the four built in: "package.module:NAME", comma-separated; each
    # names a sessionary.dialects.descriptor.Dialect (README "Dialects").
    extra_dialects: Annotated[tuple[str, ...], NoDecode] = ()
    console_idle_timeout_s: int = Field(default=1800, ge=60, le=86_400)  # admin console sign-in
    console_secure_cookie: bool | None = None  # None: Secure cookies in production only
    # The edge, per granian worker (README "Serving"). A connection gets this long for its
    # request headers (slow-loris) and, separately, for its whole request body (a trickle);
    # then it is closed (headers) or answered 408 (body).
    http_header_timeout_s: float = Field(default=10.0, gt=0, le=300)
    http_body_timeout_s: float = Field(default=60.0, gt=0, le=3600)
    # Connections one worker serves at once (granian's backpressure); more wait in the backlog.
    http_max_connections: int = Field(default=512, ge=1, le=65_535)
    http_backlog: int = Field(default=1024, ge=16, le=65_535)  # the kernel's accept queue
    # /readyz checks in the background, this often, that the database still takes writes; 0 = off
    ready_write_check_s: float = Field(default=5.0, ge=0, le=3600)
    ready_min_free_bytes: int = Field(default=16 * 1024 * 1024, ge=0)  # SQLite: less is "full"

    @field_validator("rufus_prefix", "hivemp_root", "pagos_prefix", "casino_prefix")
    @classmethod
    def _mount_prefix(cls, value: str) -> str:
        if not value.startswith("/") or value.endswith("/") or value in ("/v1", "/admin"):
            raise ValueError("a mount prefix starts with '/', has no trailing '/', e.g. /rufus/v0")
        return value

    @field_validator("webhook_allowed_networks", "trusted_proxies", mode="before")
    @classmethod
    def _networks(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        networks = []
        for item in filter(None, (part.strip() for part in value.split(","))):
            try:
                networks.append(ipaddress.ip_network(item))
            except ValueError as exc:
                raise ValueError(
                    f"{item!r} is not a CIDR network such as 10.0.0.0/8: {exc}"
                ) from None
        return tuple(networks)

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL, e.g. https://api.example.com")
        if parts.query or parts.fragment or "@" in parts.netloc:
            raise ValueError("must have no query, fragment or user, e.g. https://api.example.com")
        return value.rstrip("/")

    @field_validator("extra_dialects", mode="before")
    @classmethod
    def _dialect_paths(cls, value: object) -> object:
        return parse_paths(value) if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(_URL_SCHEMES):
            raise ValueError(
                "must start with sqlite:/// (a file) or postgresql:// (a server), e.g. "
                + DEFAULT_DATABASE_URL
            )
        if not value.startswith("sqlite"):
            try:
                connect_kwargs(value)  # options, certificate files: refused here, at start
            except PgUrlError as exc:
                raise ValueError(str(exc)) from None
        return value

    @model_validator(mode="after")
    def _production_needs_secrets(self) -> Settings:
        weak = not self.secret_keys or any(map(_weak_key, self.secret_keys))
        if self.environment == "production" and weak:
            raise ValueError(
                "SESSIONARY_SECRET_KEY must be a random value of 32+ characters"
                " (each key, when it lists several)"
            )
        return self

    @field_validator("metrics_token")
    @classmethod
    def _usable_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("must be at least 16 characters (or unset for an open /metrics)")
        return value

    @property
    def secret_keys(self) -> tuple[str, ...]:
        """The sealing keys, newest first; empty when none is set."""
        return parse_keys(self.secret_key.get_secret_value() if self.secret_key else None)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def console_cookie_secure(self) -> bool:
        if self.console_secure_cookie is not None:
            return self.console_secure_cookie
        return self.environment == "production"


def _weak_key(key: str) -> bool:
    return len(key) < 32 or key.lower().startswith(("change", "secret", "default"))


class SettingsError(Exception):
    """Raised with a human message naming each bad ``SESSIONARY_*`` variable."""


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = "_".join(str(p) for p in err["loc"]).upper()
            var = f"SESSIONARY_{name}" if name else "settings"
            lines.append(f"{var}: {err['msg']}")
        raise SettingsError("invalid configuration:\n  " + "\n  ".join(lines)) from None
