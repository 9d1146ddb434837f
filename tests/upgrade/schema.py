"""A database's schema as comparable data, and the SQL a migration sends, for the upgrade tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, event, inspect

from sessionary.storage.migrate import with_connection as on_connection


def _plain(found: Any) -> str:
    """A reflected item as text, its SQL expressions (an index's WHERE) included."""
    return json.dumps(found, default=str, sort_keys=True)


def _tables(conn: Connection) -> dict[str, Any]:
    insp = inspect(conn)
    found: dict[str, Any] = {}
    for table in sorted(insp.get_table_names()):
        if table == "alembic_version":
            continue
        columns = insp.get_columns(table)
        found[table] = {
            "columns": sorted(
                (c["name"], str(c["type"]), c["nullable"], str(c.get("default"))) for c in columns
            ),
            "pk": insp.get_pk_constraint(table),
            "fks": sorted(_plain(fk) for fk in insp.get_foreign_keys(table)),
            "indexes": sorted(_plain(ix) for ix in insp.get_indexes(table)),
            "unique": sorted(_plain(u) for u in insp.get_unique_constraints(table)),
        }
    return found


def schema_of(url: str) -> dict[str, Any]:
    """Every table but Alembic's own: columns, keys, indexes and unique constraints."""
    return on_connection(url, _tables)  # type: ignore[no-any-return]


@contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL every engine sends while the block runs (migrations make their own engines)."""
    sent: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(" ".join(statement.split()))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(Engine, "before_cursor_execute", record)
