"""Typed settings from ``SESSIONARY_*`` environment variables, validated at start."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///./var/sessionary.db"
_URL_SCHEMES = ("sqlite:///", "postgresql://", "postgres://", "postgresql+asyncpg://")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SESSIONARY_", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    database_url: str = DEFAULT_DATABASE_URL
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    max_body_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)
    sweep_interval_s: float = Field(default=5.0, ge=0)
    sweep_batch: int = Field(default=500, ge=1, le=10_000)
    auth_cache_ttl_s: float = Field(default=5.0, ge=0)
    max_event_batch: int = Field(default=5000, ge=1, le=5000)
    page_size_max: int = Field(default=500, ge=1)
    sqlite_synchronous: Literal["NORMAL", "FULL"] = "NORMAL"
    sqlite_busy_timeout_ms: int = Field(default=5000, ge=0)
    pg_pool_size: int = Field(default=20, ge=1, le=200)
    pg_max_overflow: int = Field(default=20, ge=0, le=200)
    secret_key: SecretStr | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    rate_limit_per_s: float = Field(default=0, ge=0)  # per credential and node; 0 = off
    rate_limit_burst: int = Field(default=100, ge=1)
    hivemp_root: str = "/hivemp"  # the API is at <root>/v1, metadata at <root>/metadata.json
    casino_prefix: str = "/casino"
    pagos_prefix: str = "/pagos"
    pagos_idle_timeout_s: int = Field(default=300, ge=1)  # a tenant's policy overrides it
    pagos_max_sessions_per_client: int = Field(default=20, ge=1)
    pagos_token_ttl_s: int = Field(default=1_209_599, ge=60)
    rufus_prefix: str = "/rufus/v0"
    rufus_at_root: bool = False  # also serve the RUFUS dialect at /v0, as the vendor does
    rufus_envelope: Literal["flat", "body"] = "flat"
    rufus_max_keys: int = Field(default=10, ge=1, le=1000)

    @field_validator("rufus_prefix", "hivemp_root", "pagos_prefix", "casino_prefix")
    @classmethod
    def _mount_prefix(cls, value: str) -> str:
        if not value.startswith("/") or value.endswith("/") or value in ("/v1", "/admin"):
            raise ValueError("a mount prefix starts with '/', has no trailing '/', e.g. /rufus/v0")
        return value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(_URL_SCHEMES):
            raise ValueError(
                "must start with sqlite:/// (a file) or postgresql:// (a server), e.g. "
                + DEFAULT_DATABASE_URL
            )
        return value

    @model_validator(mode="after")
    def _production_needs_secrets(self) -> Settings:
        if self.environment == "production":
            key = self.secret_key.get_secret_value() if self.secret_key else ""
            if len(key) < 32 or key.lower().startswith(("change", "secret", "default")):
                raise ValueError("SESSIONARY_SECRET_KEY must be a random value of 32+ characters")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


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
