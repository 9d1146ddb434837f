"""The edge's settings (connections, readiness, stopping), a base of ``Settings``."""

from __future__ import annotations

from pydantic import Field

from .config_dialects import DialectSettings


class ServingSettings(DialectSettings):
    http_header_timeout_s: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description="a connection must deliver its request headers within this (also the idle"
        " time of a kept-alive connection); then it is closed",
    )
    http_body_timeout_s: float = Field(
        default=60.0,
        gt=0,
        le=3600,
        description="the whole request body must arrive within this after the request starts;"
        " then 408 in the caller's dialect and the connection is closed",
    )
    http_max_connections: int = Field(
        default=512,
        ge=1,
        le=65_535,
        description="connections one worker serves at once (granian's backpressure); further"
        " ones wait in the backlog",
    )
    http_backlog: int = Field(
        default=1024,
        ge=16,
        le=65_535,
        description="the kernel's accept queue of the listening socket",
    )
    ready_write_check_s: float = Field(
        default=5.0,
        ge=0,
        le=3600,
        description="how often each worker checks in the background, on a fresh connection,"
        " that the database takes writes (`0`: never; `/readyz` then checks only that it"
        " answers)",
    )
    ready_min_free_bytes: int = Field(
        default=16 * 1024 * 1024,
        ge=0,
        description="SQLite: less free space than this on the database's file system counts as"
        " a full disk for `/readyz`",
    )
    drain_s: float = Field(
        default=5.0,
        ge=0,
        le=3600,
        description="after SIGTERM, how long `serve` keeps serving with `/readyz` at 503 (load"
        " balancers move away) before it stops taking connections (`0`: stop at once); README,"
        " *Stopping and draining*",
    )
    stop_timeout_s: int = Field(
        default=20,
        ge=1,
        le=3600,
        description="after the drain, how long each worker gets to finish its requests in flight"
        " and its shutdown before it is killed",
    )
