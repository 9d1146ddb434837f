"""Rows of any table in ``tables.metadata``, read in primary-key order and compared across
engines: the keyset pages ``sessionary db copy`` reads, the conversion of a row for the
PostgreSQL driver, and a checksum that both engines compute alike.

Nothing here names a table or a column, so a table or column added by a later migration is
copied and checked without a change here."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import msgspec
from sqlalchemy import (
    JSON,
    Column,
    ColumnElement,
    Select,
    String,
    Table,
    Text,
    select,
    tuple_,
    type_coerce,
)
from sqlalchemy.engine import Dialect

Processor = Callable[[Any], Any] | None


def key_columns(table: Table, dialect: str = "sqlite") -> list[ColumnElement[Any]]:
    """The primary key; on PostgreSQL text is compared byte by byte (``COLLATE "C"``), as
    SQLite compares it, so that both sides walk a text key in the same order."""
    return [
        c.collate("C") if dialect == "postgresql" and isinstance(c.type, String) else c
        for c in table.primary_key.columns
    ]


def after(table: Table, last: Sequence[Any] | None) -> ColumnElement[bool] | None:
    """Rows whose key comes after ``last``: a row-value comparison, which SQLite (3.15+) and
    PostgreSQL both answer from the primary key index."""
    if last is None:
        return None
    keys = key_columns(table)
    left = keys[0] if len(keys) == 1 else tuple_(*keys)
    right = last[0] if len(keys) == 1 else tuple_(*last)
    condition: ColumnElement[bool] = left > right
    return condition


def ordered(table: Table, dialect: str) -> Select[Any]:
    return select(table).order_by(*key_columns(table, dialect))


def page(table: Table, last: Sequence[Any] | None, limit: int) -> Select[Any]:
    """One batch of the (SQLite) source after ``last``. JSON columns come as the text SQLite
    stores, which is what the PostgreSQL driver takes for ``jsonb``: parsing and serialising
    each value again cost half the copy's time (bench/copy_rate.py); the checksums still read
    them through the JSON type on both sides."""
    columns = [type_coerce(c, Text).label(c.name) if _is_json(c) else c for c in table.columns]
    stmt = select(*columns).order_by(*key_columns(table, "sqlite")).limit(limit)
    condition = after(table, last)
    return stmt if condition is None else stmt.where(condition)


def _is_json(column: Column[Any]) -> bool:
    return isinstance(column.type, JSON)


def last_key(table: Table) -> Select[Any]:
    """The (PostgreSQL) target's highest key: where a resumed copy of the table goes on."""
    keys = list(table.primary_key.columns)
    order = [k.desc() for k in key_columns(table, "postgresql")]
    return select(*keys).order_by(*order).limit(1)


def key_of(table: Table, row: Any) -> tuple[Any, ...]:
    mapping = row._mapping
    return tuple(mapping[c] for c in table.primary_key.columns)


def bind_processors(table: Table, dialect: Dialect) -> list[Processor]:
    """The same conversions the application's statements apply (booleans, ...); none for
    JSON, which ``page`` reads as text already."""
    return [
        None if _is_json(c) else c.type.dialect_impl(dialect).bind_processor(dialect)
        for c in table.columns
    ]


def converted(rows: Iterable[Any], processors: Sequence[Processor]) -> list[tuple[Any, ...]]:
    """Only the columns that have a conversion are touched: most have none."""
    todo = [(i, p) for i, p in enumerate(processors) if p is not None]
    if not todo:
        return [tuple(row) for row in rows]
    out = []
    for row in rows:
        values = list(row)
        for i, process in todo:
            values[i] = process(values[i])
        out.append(tuple(values))
    return out


class Checksum:
    """sha256 over the rows' canonical text, in key order. Each row is read back through
    SQLAlchemy's own types on its engine, so a value that reads the same on both sides hashes
    the same: JSON objects with sorted keys, bytes as base64."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self.rows = 0

    def add(self, rows: Sequence[Any]) -> None:
        self._hash.update(b"".join([canonical(tuple(row)) + b"\n" for row in rows]))
        self.rows += len(rows)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


_ENCODER = msgspec.json.Encoder(order="sorted")  # 40x json.dumps(sort_keys=True) per row
_BIG_FLOAT = re.compile(rb"\de\d")  # msgspec writes floats of 1e16 and above with an exponent


def canonical(row: tuple[Any, ...]) -> bytes:
    try:
        text = _ENCODER.encode(row)
    except (msgspec.EncodeError, OverflowError, TypeError):  # e.g. an int past 64 bits
        return _slow(row)
    return _slow(row) if _BIG_FLOAT.search(text) else text


def _slow(row: tuple[Any, ...]) -> bytes:
    """jsonb keeps a float of 1e16 or more as a number that reads back as an int, so
    integral floats are written as ints; rare, so only rows that may hold one come here."""
    plain = _plain(row)
    try:
        return _ENCODER.encode(plain)
    except (msgspec.EncodeError, OverflowError, TypeError):
        return json.dumps(plain, sort_keys=True, separators=(",", ":"), default=_b64).encode()


def _b64(value: Any) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode()
    raise TypeError(f"no canonical form for {type(value).__name__}")


def _plain(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
