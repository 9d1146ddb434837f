"""The pieces of ``db copy`` that need no database: the canonical row text both engines hash,
and the keyset statements that walk a table in key order."""

from __future__ import annotations

from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import create_async_engine

from sessionary.storage import copy_rows
from sessionary.storage.copy_rows import Checksum, canonical
from sessionary.storage.tables import events, idempotency, sessions

PG = "postgresql+asyncpg://nobody@127.0.0.1/none"  # never connected: only its dialect is used


def test_a_json_object_reads_the_same_whatever_the_order_of_its_keys() -> None:
    assert canonical((1, {"b": 1, "a": [1.5, "é"]})) == canonical((1, {"a": [1.5, "é"], "b": 1}))


def test_a_float_that_jsonb_reads_back_as_an_int_hashes_like_that_int() -> None:
    assert canonical((1, {"x": 1e16})) == canonical((1, {"x": 10**16}))
    assert canonical((1e20,)) == canonical((10**20,))


def test_an_int_and_a_float_below_the_exponent_form_stay_apart() -> None:
    assert canonical((1.0,)) != canonical((1,))


def test_bytes_and_text_and_null_each_have_one_form() -> None:
    assert canonical((b"ab", None, True)) == b'["YWI=",null,true]'


def test_the_checksum_depends_on_the_order_of_the_rows() -> None:
    one, other = Checksum(), Checksum()
    one.add([(1, "a"), (2, "b")])
    other.add([(2, "b"), (1, "a")])
    assert one.rows == other.rows == 2
    assert one.hexdigest() != other.hexdigest()


def test_a_text_key_is_compared_byte_by_byte_on_postgresql_as_sqlite_does() -> None:
    pg = str(copy_rows.last_key(idempotency).compile(dialect=create_async_engine(PG).dialect))
    lite = str(copy_rows.page(idempotency, ("k",), 10).compile(dialect=sqlite.dialect()))
    assert 'COLLATE "C" DESC' in pg
    assert "COLLATE" not in lite


def test_a_composite_key_pages_on_with_a_row_value_and_json_comes_as_stored_text() -> None:
    stmt = str(copy_rows.page(events, (3, 7), 10).compile(dialect=sqlite.dialect()))
    assert "(events.session_pk, events.seq) > (?, ?)" in stmt
    assert "ORDER BY events.session_pk, events.seq" in stmt
    assert "CAST" not in stmt and "events.payload" in stmt


def test_only_columns_with_a_conversion_are_converted() -> None:
    processors = copy_rows.bind_processors(sessions, create_async_engine(PG).dialect)
    names = [c.name for c, p in zip(sessions.columns, processors, strict=True) if p is not None]
    assert names == ["metered"]  # booleans; JSON goes through as text
