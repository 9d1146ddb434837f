"""Typed settings from ``SESSIONARY_*`` environment variables, validated at start."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from .config_serving import ServingSettings
from .dialects.registry import parse_paths
from .domain.limits import WEBHOOK_SECRET_OVERLAP_S
from .services.sealing import parse_keys
from .storage.pgurl import PgUrlError, connect_kwargs

PREFIX = "SESSIONARY_"
DATABASE_FILE = "sessionary.db"
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
_URL_SCHEMES = ("sqlite:///", "postgresql://", "postgres://", "postgresql+asyncpg://")


def default_data_dir() -> Path:
    """Per user, not per working directory: every command finds the same database."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local/share")
    return Path(base) / "sessionary"


class Settings(ServingSettings):
    model_config = SettingsConfigDict(
        env_prefix="SESSIONARY_", extra="ignore", use_attribute_docstrings=True
    )

    environment: Literal["development", "production", "test"] = Field(
        default="development",
        description="`production` refuses to start without a strong `SECRET_KEY` and refuses"
        " unknown `SESSIONARY_*` variables (development only warns about them)",
    )
    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="where sessionary keeps its files: the default SQLite database"
        " (`sessionary.db`) and the bootstrap operator key file; the same whatever directory a"
        " command starts in",
        json_schema_extra={
            "shown_default": "$XDG_DATA_HOME/sessionary (~/.local/share/sessionary)"
        },
    )
    database_url: str = Field(
        default="",
        description="`sqlite:///path/file.db` (a file) or `postgresql://user:pass@host/db`"
        " (a server); unset: the SQLite file `sessionary.db` in `DATA_DIR`",
        json_schema_extra={"shown_default": "sqlite:///$DATA_DIR/sessionary.db"},
    )
    host: str = Field(default="127.0.0.1", description="address `serve` binds")
    port: int = Field(default=8000, ge=1, le=65535, description="port `serve` binds")
    workers: int = Field(
        default=1, ge=1, le=64, description="granian worker processes; use one per core"
    )
    event_loop: Literal["auto", "uvloop", "asyncio"] = Field(
        default="auto",
        description="granian's event loop in each worker: `auto` takes uvloop when it is"
        " installed (it is not a dependency: in our A/B runs it changed nothing beyond the noise,"
        " bench/PROFILE.md section 12), else asyncio",
    )
    max_body_bytes: int = Field(
        default=4 * 1024 * 1024, ge=1024, description="larger request bodies get 413"
    )
    sweep_interval_s: float = Field(
        default=5.0, ge=0, description="how often the in-process sweeper runs; `0` disables it"
    )
    # Measured: on SQLite a batch holds the event loop; the sweeper yields between batches.
    sweep_batch: int = Field(
        default=100,
        ge=1,
        le=10_000,
        description="sessions expired (and rows purged by retention) per transaction. On SQLite"
        " each batch runs on the event loop: 500 took 33-65 ms, 100 about 11 ms, so larger"
        " batches show up in request p99",
    )
    auth_cache_ttl_s: float = Field(
        default=5.0,
        ge=0,
        description="how long a node trusts a looked-up credential; a revoked key stops working"
        " on other nodes within this",
    )
    max_event_batch: int = Field(
        default=5000, ge=1, le=5000, description="events one append request may carry"
    )
    bulk_concurrency: int = Field(
        default=2,
        ge=1,
        le=64,
        description="per worker: requests whose declared body is 64 KiB or more (event and"
        " passing batches) decoded and written at once; the rest queue. A 5,000-passing batch"
        " holds ~8 MB of Python objects until it commits: with 2 slots the RUFUS 5,000-batch"
        " bench ran at 92k passings/s with workers peaking at 138 MB, with 8 at 86k/s and"
        " 171 MB. One that waits 20 s for a slot is refused with 429 and `Retry-After: 1`",
    )
    page_size_max: int = Field(default=500, ge=1, description="largest page a list may ask for")
    sqlite_synchronous: Literal["NORMAL", "FULL"] = Field(
        default="NORMAL", description="`FULL` for power-loss durability (about 2.5x slower writes)"
    )
    sqlite_busy_timeout_ms: int = Field(
        default=5000,
        ge=0,
        description="how long a write waits for another process's write lock (another worker,"
        " a CLI command) before it answers 503; the wait is asyncio sleeps of 0.5-4 ms between"
        " tries, so the worker keeps serving meanwhile",
    )
    pg_pool_size: int = Field(
        default=20,
        ge=1,
        le=200,
        description="PostgreSQL connections per worker process. Requests beyond the pool wait"
        " for a connection (up to `DB_TIMEOUT_S`, then 503). Size it to what the database"
        " serves well (a few connections per database core), not to the client count",
    )
    pg_max_overflow: int = Field(
        default=0,
        ge=0,
        le=200,
        description="connections opened past the pool, closed as soon as they are returned, so"
        " under steady load above the pool they churn: with `20`, close on PostgreSQL (2"
        " workers, 64 connections) ran at 1,160-1,215/s against 2,168-2,178/s with `0`",
    )
    db_timeout_s: float = Field(
        default=5.0,
        gt=0,
        le=300,
        description="bounds connecting, waiting for a pooled connection, and each statement",
    )
    pg_pool_mode: Literal["session", "transaction"] = Field(
        default="session",
        description="`transaction` when `DATABASE_URL` goes through PgBouncer (or another"
        " pooler) in transaction mode: no prepared statement is cached (README, *Managed"
        " PostgreSQL and PgBouncer*)",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="seals signing secrets at rest; 32+ random characters, required in"
        " production. Several keys, comma-separated, newest first, during a rotation (README,"
        " *Rotating the sealing key*)",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="the lowest level logged"
    )
    log_format: Literal["json", "text"] | None = Field(
        default=None, description="unset: `json` in production, else `text`"
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="when set (16+ characters), `GET /metrics` needs `Authorization: Bearer"
        " <token>`; unset: `/metrics` is open",
    )
    metrics_cache_s: float = Field(
        default=5.0, ge=0, description="how long each process reuses its database-derived gauges"
    )
    rate_limit_per_s: float = Field(
        default=0,
        ge=0,
        description="requests per second per credential and node (a tenant may override it);"
        " `0` = no limit",
    )
    rate_limit_burst: int = Field(
        default=100, ge=1, description="requests a credential may make at once above the rate"
    )
    loop_lag_interval_s: float = Field(
        default=0.1, ge=0, description="how often the event-loop lag probe runs; `0` = off"
    )
    loop_lag_warn_ms: float = Field(
        default=100.0, gt=0, description="an event-loop stall at least this long is logged"
    )
    otel: bool = Field(
        default=False,
        description="OpenTelemetry traces of requests and database calls; needs `pip install"
        " 'sessionary[otel]'` and is configured by the standard `OTEL_*` variables (README,"
        " *Metrics and logs*)",
    )
    webhook_interval_s: float = Field(
        default=1.0,
        ge=0,
        description="how often an idle webhook delivery worker looks for work; `0` = no"
        " delivery worker on this node",
    )
    webhook_timeout_s: float = Field(
        default=10.0, gt=0, description="how long one webhook delivery attempt may take"
    )
    webhook_batch: int = Field(
        default=50, ge=1, le=1000, description="deliveries one worker claims at a time"
    )
    webhook_max_attempts: int = Field(
        default=8, ge=1, le=100, description="attempts before a delivery is given up"
    )
    webhook_backoff_base_s: float = Field(
        default=2.0, gt=0, description="the first retry's delay; it doubles each attempt"
    )
    webhook_backoff_max_s: float = Field(
        default=3600.0, gt=0, description="the longest delay between two attempts"
    )
    webhook_keep_delivered_days: int = Field(
        default=7, ge=1, description="delivered webhooks are purged this long after delivery"
    )
    webhook_secret_overlap_s: int = Field(
        default=86_400,
        ge=0,
        le=WEBHOOK_SECRET_OVERLAP_S,
        description="after a webhook secret rotation, how long the old secret still signs"
        " deliveries beside the new one (`0`: not at all); a rotation may name its own",
    )
    webhook_allowed_networks: Annotated[tuple[IPNetwork, ...], NoDecode] = Field(
        default=(),
        description="CIDRs, comma-separated (`10.20.0.0/16,fd00:20::/64`), that webhooks may"
        " reach besides public addresses: for receivers on premises. Without it loopback,"
        " private, link-local, CGNAT, multicast and reserved addresses are refused (README,"
        " *What a webhook URL may reach*)",
    )
    trusted_proxies: Annotated[tuple[IPNetwork, ...], NoDecode] = Field(
        default=(),
        description="peers whose `Forwarded` / `X-Forwarded-*` headers are believed, CIDRs,"
        " comma-separated (README, *Behind a proxy*); empty: every such header is ignored",
    )
    public_url: str | None = Field(
        default=None,
        description="the URL clients reach this server at (`https://api.example.com/sessionary`):"
        " every absolute URL the server writes starts with it, whatever the request's headers say",
    )
    credential_purge_grace_days: float = Field(
        default=3.0,
        ge=0,
        le=3650,
        description="spent dialect credentials (ended sessions' keys, expired or revoked bearer"
        " tokens) answer as ended this long after they died, then are deleted",
    )
    stream_poll_s: float = Field(
        default=0.5, gt=0, description="how often `GET /v1/events` looks for new records"
    )
    stream_keepalive_s: float = Field(
        default=15.0, gt=0, description="an idle event stream sends a comment this often"
    )
    extra_dialects: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(),
        description="dialect plug-ins beside the built-in four, `package.module:NAME`,"
        " comma-separated (README, *Vendor dialects*); the CLI reads it too. A plug-in's own"
        " variables are `SESSIONARY_<NAME>_*`",
    )
    console_idle_timeout_s: int = Field(
        default=1800, ge=60, le=86_400, description="an idle admin console sign-in ends after this"
    )
    console_secure_cookie: bool | None = Field(
        default=None, description="unset: the console's cookies are `Secure` in production only"
    )

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

    @field_validator("data_dir")
    @classmethod
    def _absolute_dir(cls, value: Path) -> Path:
        return value.expanduser().absolute()  # the path printed is the one every command uses

    @model_validator(mode="after")
    def _database_in_data_dir(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / DATABASE_FILE}"
        return self

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value:
            return value  # the default: a file in data_dir, filled in after validation
        if not value.startswith(_URL_SCHEMES):
            raise ValueError(
                "must start with sqlite:/// (a file) or postgresql:// (a server), e.g."
                " sqlite:///var/lib/sessionary/sessionary.db"
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
    def sqlite_path(self) -> Path | None:
        """The database file, for a SQLite URL that names one (not ``:memory:``)."""
        if not self.is_sqlite:
            return None
        name = self.database_url.partition(":///")[2].partition("?")[0]
        return None if name in ("", ":memory:") else Path(name)

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
