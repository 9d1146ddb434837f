"""The built-in dialects' settings, a base of ``Settings`` (``SESSIONARY_<FIELD>`` too)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings


class DialectSettings(BaseSettings):
    hivemp_root: str = Field(
        default="/hivemp",
        description="where the HiveMP dialect is mounted: its API at `<root>/v1`, metadata at"
        " `<root>/metadata.json`",
    )
    casino_prefix: str = Field(default="/casino", description="where the casino dialect is mounted")
    pagos_prefix: str = Field(default="/pagos", description="where the Pagos dialect is mounted")
    pagos_idle_timeout_s: int = Field(
        default=300,
        ge=1,
        description="Pagos sessions' idle timeout; a tenant's policy overrides it",
    )
    pagos_max_sessions_per_client: int = Field(
        default=20, ge=1, description="live Pagos sessions per client"
    )
    pagos_token_ttl_s: int = Field(
        default=1_209_599, ge=60, description="lifetime of a Pagos bearer token"
    )
    pagos_token_client_per_s: float = Field(
        default=0.1,
        ge=0,
        le=1_000_000,
        description="Pagos tokens issued per client and node, per second; `0` = unlimited",
    )
    pagos_token_client_burst: int = Field(
        default=10, ge=1, le=1_000_000, description="Pagos tokens a client may get at once"
    )
    pagos_token_source_per_s: float = Field(
        default=1.0,
        ge=0,
        le=1_000_000,
        description="Pagos `/token` requests per source address and node, per second;"
        " `0` = unlimited",
    )
    pagos_token_source_burst: int = Field(
        default=30,
        ge=1,
        le=1_000_000,
        description="Pagos `/token` requests an address may make at once",
    )
    pagos_max_tokens_per_client: int = Field(
        default=100,
        ge=1,
        le=1_000_000,
        description="live Pagos tokens per client; a new one deletes the oldest past it",
    )
    pagos_lockout_max_clients: int = Field(
        default=10_000,
        ge=1,
        le=10_000_000,
        description="client ids with failed secrets remembered per node (lockouts themselves"
        " are never dropped early)",
    )
    rufus_prefix: str = Field(default="/rufus/v0", description="where the RUFUS dialect is mounted")
    rufus_at_root: bool = Field(
        default=False, description="also serve the RUFUS dialect at `/v0`, as the vendor does"
    )
    rufus_envelope: Literal["flat", "body"] = Field(
        default="flat",
        description="RUFUS replies as the bare JSON document (`flat`) or wrapped in"
        ' `{"body": ...}` as the newer vendor specification has it (`body`)',
    )
    rufus_max_keys: int = Field(
        default=10, ge=1, le=1000, description="live RUFUS API keys per tenant"
    )

    @field_validator("rufus_prefix", "hivemp_root", "pagos_prefix", "casino_prefix")
    @classmethod
    def _mount_prefix(cls, value: str) -> str:
        if not value.startswith("/") or value.endswith("/") or value in ("/v1", "/admin"):
            raise ValueError("a mount prefix starts with '/', has no trailing '/', e.g. /rufus/v0")
        return value
