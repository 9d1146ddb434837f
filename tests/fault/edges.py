"""Values at the edges the database has and the HTTP layer may not: integers at and beyond
signed 64 bits (and 32, and a double's 53), huge numbers, and text at and one past each
column's length. ``push_to_edges`` draws such a value in place of any int or str of a request,
so the fuzzers reach the storage boundary with them by themselves."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from sqlalchemy import String

from sessionary.storage.tables import metadata

_BOUNDS = (2**31, 2**53, 2**63, 2**64)
EDGE_INTS: tuple[int, ...] = tuple(
    sorted({v for b in _BOUNDS for v in (b - 1, b, b + 1, -b, -b - 1)} | {10**30, -(10**30), -1})
)
# Every stored string's length, read from the schema so a new column is covered by itself.
COLUMN_LENGTHS: tuple[int, ...] = tuple(
    sorted(
        {
            column.type.length
            for table in metadata.tables.values()
            for column in table.columns
            if isinstance(column.type, String) and column.type.length
        }
    )
)

edge_ints = st.sampled_from(EDGE_INTS)
# A huge number as JSON writes it, beyond any 64-bit type (msgspec decodes it to an int).
huge_ints = st.integers(min_value=2**64, max_value=10**40) | st.integers(-(10**40), -(2**64))
edge_lengths = st.sampled_from(COLUMN_LENGTHS).flatmap(lambda n: st.sampled_from((n, n + 1)))
edge_texts = st.tuples(edge_lengths, st.sampled_from("x7é")).map(lambda p: p[1] * p[0])
# In a query, a path or a header every value is text: numbers are sent as their digits.
edge_strings = edge_texts | (edge_ints | huge_ints).map(str)


def push_to_edges(data: st.DataObject, value: Any) -> Any:
    """``value`` with each int and str in it kept or replaced by an edge value (drawn)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return data.draw(st.just(value) | edge_ints | huge_ints)
    if isinstance(value, float):
        return data.draw(st.just(value) | edge_ints.map(float) | edge_ints)
    if isinstance(value, str):
        return data.draw(st.just(value) | edge_strings)
    if isinstance(value, dict):
        return {key: push_to_edges(data, item) for key, item in value.items()}
    if isinstance(value, list):
        return [push_to_edges(data, item) for item in value]
    return value
