"""Which code may serve a schema: written by each migration as it is applied, read by ``serve``.

A rolling upgrade runs nodes of version N against a database already migrated by version N+1,
whose migration files N does not have. So what N must know is kept in the database itself: each
applied revision's row in ``schema_compat`` names the oldest migration head whose code still
serves the schema that revision left (its ``oldest_reader``). A migration module declares
``compatible_with_previous``: True for an expand-only change (the reader of the revision before
it carries over), False for a contract one (only code that has this migration may serve).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, inspect, select

from .tables import schema_compat

UPGRADE_HINT = "run: sessionary db upgrade"


def record_step(ctx: Any, step: Any, heads: Any, run_args: Any) -> None:
    """Alembic ``on_version_apply`` callback, in the migration's own transaction: an upgrade
    writes the revision's row, a downgrade deletes it. Before the table exists (revisions older
    than the one creating it) and after a downgrade dropped it, there is nothing to do."""
    conn: Connection = ctx.connection
    if not inspect(conn).has_table(schema_compat.name):
        return
    revision = step.up_revision_id
    conn.execute(schema_compat.delete().where(schema_compat.c.revision == revision))
    if step.is_upgrade:
        compatible = getattr(step.up_revision.module, "compatible_with_previous", False) is True
        downs = step.up_revision._normalized_down_revisions
        reader = _reader_of(conn, downs[0]) if compatible and len(downs) == 1 else revision
        conn.execute(
            schema_compat.insert().values(
                revision=revision, compatible_with_previous=compatible, oldest_reader=reader
            )
        )


def _reader_of(conn: Connection, revision: str) -> str:
    """The previous revision's oldest reader; a revision older than the table has no row, and
    then the previous revision itself is the oldest head known to serve it."""
    query = select(schema_compat.c.oldest_reader).where(schema_compat.c.revision == revision)
    found = conn.execute(query).scalar()
    return str(found) if found is not None else revision


def oldest_reader(conn: Connection, revision: str) -> str | None:
    if not inspect(conn).has_table(schema_compat.name):
        return None
    query = select(schema_compat.c.oldest_reader).where(schema_compat.c.revision == revision)
    found = conn.execute(query).scalar()
    return None if found is None else str(found)


@dataclass(frozen=True)
class Verdict:
    """Whether this code may serve the database; ``message`` says why not, or, for a schema
    ahead of the code, that it is and that it is compatible."""

    serves: bool
    message: str | None = None


def judge(database: str | None, reader: str | None, lineage: Sequence[str]) -> Verdict:
    """``lineage``: this code's revisions, its head first. ``reader``: the database's
    ``oldest_reader`` for its revision (None when it records none)."""
    head = lineage[0]
    if database == head:
        return Verdict(True)
    if database is None:
        return Verdict(False, f"the database is empty; {UPGRADE_HINT}")
    if database in lineage:
        return Verdict(
            False, f"the database schema {database} is behind this code's {head}; {UPGRADE_HINT}"
        )
    ahead = f"the database schema {database} is ahead of this code's {head}"
    if reader is None:
        return Verdict(
            False,
            f"{ahead} and records no compatibility with older code: serve it "
            "with the sessionary that migrated it",
        )
    if reader in lineage:
        return Verdict(True, f"schema {database} is ahead of this code's {head}; compatible")
    return Verdict(
        False,
        f"{ahead}, and its migration {reader} is not compatible with older "
        f"code: serve it with a sessionary that has migration {reader}, or undo "
        f"migrations down to {head} with that version's `sessionary db downgrade`",
    )
