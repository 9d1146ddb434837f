"""Run Alembic migrations shipped inside the package, on SQLite or PostgreSQL."""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from sqlalchemy import Connection, create_engine, text

from .pg_engine import pg_engine
from .schema_compat import Verdict, judge, oldest_reader

_HERE = Path(__file__).parent / "migrations"
_LOCK_KEY = 0x5E55_1011  # advisory lock: two nodes upgrading at once take turns
Locations = Sequence[Path]  # more version directories (a test's own migrations)


class DowngradeRefused(Exception):
    """A downgrade that would go below the base or past what this code knows."""


def _config(connection: Connection | None = None, extra: Locations = ()) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_HERE))
    if extra:
        cfg.set_main_option("path_separator", "os")
        dirs = [str(_HERE / "versions"), *map(str, extra)]
        cfg.set_main_option("version_locations", os.pathsep.join(dirs))
    cfg.attributes["connection"] = connection
    return cfg


def script_directory(extra: Locations = ()) -> ScriptDirectory:
    return ScriptDirectory.from_config(_config(extra=extra))


def with_connection(url: str, fn: Callable[[Connection], Any], lock: bool = False) -> Any:
    """``fn`` on a connection outside any transaction: Alembic opens one per migration and an
    index built CONCURRENTLY needs none (migrations/ops.py)."""
    if url.startswith("sqlite"):
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                return fn(conn)
        finally:
            engine.dispose()
    return asyncio.run(_with_pg_connection(url, fn, lock))


async def _with_pg_connection(url: str, fn: Callable[[Connection], Any], lock: bool) -> Any:
    # No statement cache: migrations gain nothing from one.
    engine = pg_engine(url, statement_cache=False)
    try:
        async with engine.connect() as conn:
            if lock:  # a session lock: it outlives the commits made along the way
                await conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _LOCK_KEY})
                await conn.commit()
            try:
                return await conn.run_sync(fn)
            finally:
                if lock:
                    await conn.rollback()
                    await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK_KEY})
                    await conn.commit()
    finally:
        await engine.dispose()


def upgrade(url: str, revision: str = "head", extra: Locations = ()) -> None:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    with_connection(url, lambda conn: command.upgrade(_config(conn, extra), revision), lock=True)


def downgrade_plan(url: str, revision: str = "-1", extra: Locations = ()) -> list[str]:
    """The revisions a downgrade to ``revision`` ("-N", "base" or a revision id) undoes,
    newest first; refused below the base or from a schema this code does not know."""
    at = current(url)
    if at is None:
        raise DowngradeRefused("the database has no schema: there is nothing to downgrade")
    try:
        applied = [r.revision for r in script_directory(extra).iterate_revisions(at, "base")]
    except RevisionError:
        raise DowngradeRefused(
            f"the database is at {at}, a revision this version does not know: downgrade it"
            " with the sessionary that migrated it"
        ) from None
    undo = _undone(applied, revision)
    if not undo:
        raise DowngradeRefused(f"the database is at {at}: there is nothing to undo")
    return undo


def _undone(applied: list[str], revision: str) -> list[str]:
    if revision == "base":
        return applied
    if revision.startswith("-") and revision[1:].isdigit():
        steps = int(revision[1:])
        if steps > len(applied):
            raise DowngradeRefused(
                f"cannot undo {steps} migrations: only {len(applied)} are applied"
                f" ({applied[-1]}..{applied[0]}); `base` undoes them all"
            )
        return applied[:steps]
    if revision not in applied:
        raise DowngradeRefused(f"{revision} is not below the database's revision {applied[0]}")
    return applied[: applied.index(revision)]


def downgrade(url: str, undo: Sequence[str], extra: Locations = ()) -> None:
    """Undo the revisions of ``downgrade_plan`` (newest first), down to the one before them."""
    below = script_directory(extra).get_revision(undo[-1])
    assert below is not None
    target = below.down_revision or "base"
    assert isinstance(target, str), "merge revisions are not used in this project"
    with_connection(url, lambda conn: command.downgrade(_config(conn, extra), target), lock=True)


def head(extra: Locations = ()) -> str | None:
    return script_directory(extra).get_current_head()


def lineage(extra: Locations = ()) -> list[str]:
    """This code's revisions, its head first."""
    return [r.revision for r in script_directory(extra).walk_revisions()]


def current(url: str) -> str | None:
    def read(conn: Connection) -> str | None:
        return MigrationContext.configure(conn).get_current_revision()

    return with_connection(url, read)  # type: ignore[no-any-return]


def schema_verdict(url: str) -> Verdict:
    """Whether this code may serve the database: its own head, or a schema ahead of it that
    the database records as compatible (storage/schema_compat.py)."""
    return with_connection(url, verdict_on)  # type: ignore[no-any-return]


def verdict_on(conn: Connection) -> Verdict:
    """``schema_verdict`` over an open connection (the server's own, for /readyz)."""
    at = MigrationContext.configure(conn).get_current_revision()
    reader = oldest_reader(conn, at) if at is not None else None
    return judge(at, reader, _own_lineage())


@functools.cache
def _own_lineage() -> tuple[str, ...]:
    """This code's lineage never changes while it runs; reading it loads every migration."""
    return tuple(lineage())


def autogenerate(url: str, message: str) -> None:
    """Developer helper: write a new revision from the difference to ``tables.py``."""
    with_connection(
        url, lambda conn: command.revision(_config(conn), message=message, autogenerate=True)
    )
