"""Shared CLI plumbing: settings, one container per command, and JSON/table output."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, NoReturn, TypeVar

import msgspec
import typer
from rich.console import Console
from rich.table import Table

from ..bootstrap import Container, build
from ..config import Settings, SettingsError, load_settings
from ..domain.errors import DomainError, StorageUnavailable
from ..domain.model import Actor
from .startup import check_start

T = TypeVar("T")
CLI_ACTOR = Actor(credential_pk=None, label="cli")
console = Console()
err_console = Console(stderr=True)

JsonOption = typer.Option(False, "--json", help="Print machine-readable JSON.")


def fail(message: str, code: int = 1) -> NoReturn:
    err_console.print(f"[red]error:[/red] {message}")
    raise typer.Exit(code)


def settings(**overrides: Any) -> Settings:
    try:
        cfg = load_settings(**{k: v for k, v in overrides.items() if v is not None})
        check_start(cfg)
    except SettingsError as exc:
        fail(str(exc), 2)
    return cfg


def run(work: Callable[[Container], Awaitable[T]]) -> T:
    """Build the container, run one async use case, and always dispose the engine."""

    async def main() -> T:
        container = build(settings())
        try:
            return await work(container)
        finally:
            await container.close()

    try:
        return asyncio.run(main())
    except StorageUnavailable as exc:  # a DomainError, with a hint of its own
        fail(f"database unavailable ({exc}); is it migrated? try: sessionary db upgrade")
    except DomainError as exc:
        fail(exc.message)


def emit_json(data: Any) -> None:
    sys.stdout.write(msgspec.json.encode(data).decode() + "\n")


def emit_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*["" if v is None else str(v) for v in row])
    console.print(table)


def migration_url() -> str:
    """The database URL a migration may run on. Migrations hold a session-level advisory lock
    across their commits (an index built CONCURRENTLY runs outside any transaction), which a
    transaction-pooling PgBouncer would hand to another client: refuse to run through one."""
    config = settings()
    if config.pg_pool_mode == "transaction":
        fail(
            "migrations need a direct PostgreSQL connection: run them with SESSIONARY_DATABASE_URL"
            " naming the server itself and SESSIONARY_PG_POOL_MODE unset (README, \"Managed"
            " PostgreSQL and PgBouncer\")",
            2,
        )
    return config.database_url
