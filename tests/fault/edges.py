"""Values at the edges the database has and the HTTP layer may not: integers at and beyond
signed 64 bits (and 32, and a double's 53), huge numbers, and text at and one past each
column's length. ``push_to_edges`` draws such a value in place of an int or str of a request,
so the fuzzers reach the storage boundary with them by themselves."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hypothesis import strategies as st
from sqlalchemy import String

from sessionary.storage.tables import metadata

# The 64-bit edges first: Hypothesis draws the first elements of a list more often.
EDGE_INTS: tuple[int, ...] = (2**63, -(2**63) - 1, 2**64, 2**63 - 1, -(2**63), 2**64 - 1)
EDGE_INTS += (2**31, 2**31 - 1, -(2**31) - 1, 2**53, 2**53 + 1, -(2**53) - 1)
EDGE_INTS += (2**63 + 1, 2**64 + 1, -(2**64) - 1, 10**30, -(10**30), -1)
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
# One past a column's length is what the database refuses; the length itself must still work.
edge_lengths = st.sampled_from(COLUMN_LENGTHS).flatmap(lambda n: st.sampled_from((n + 1, n)))
edge_texts = st.tuples(edge_lengths, st.sampled_from("x7é")).map(lambda p: p[1] * p[0])
# In a query, a path or a header every value is text: numbers are sent as their digits.
edge_numbers = edge_ints | huge_ints
edge_strings = edge_texts | edge_numbers.map(str)
Path = tuple[Any, ...]


def edge_for(value: Any) -> st.SearchStrategy[Any]:
    """Edge values for a place that holds ``value``: mostly of its own type, so the request
    gets past type checks to where the value is used; sometimes of the other."""
    if isinstance(value, str):
        return st.one_of(edge_texts, edge_texts, edge_numbers.map(str), edge_numbers)
    return st.one_of(edge_numbers, edge_numbers, edge_numbers.map(float), edge_texts)


def push_to_edges(data: st.DataObject, value: Any) -> Any:
    """``value`` with one of its ints or strs (sometimes two) replaced by an edge value, the
    rest kept: a request wrong in one place gets past every other check to where that value
    is used, the database included."""
    places = leaves(value)
    if not places:
        return value
    chosen = data.draw(st.lists(st.sampled_from(places), min_size=1, max_size=2, unique=True))
    for path in chosen:
        value = replaced(value, path, data.draw(edge_for(at(value, path))))
    return value


# The sweep: each place of a request, one at a time, at each of these.
SWEEP_INTS = (2**63, -(2**63) - 1, 2**64, 2**31, 2**53 + 1, 10**30, -1)


def sweep(value: Any) -> Iterator[Any]:
    """``value`` with one place at a time at each edge: one past every column's length or a
    number beyond 64 bits for a str, a number at each edge or a long text for an int."""
    for path in leaves(value):
        held = at(value, path)
        if isinstance(held, str):
            edges: list[Any] = ["x" * (n + 1) for n in COLUMN_LENGTHS]
            edges += [str(n) for n in SWEEP_INTS[:3]]
        else:
            edges = [*SWEEP_INTS, float(2**63), "x" * 201]
        for edge in edges:
            yield replaced(value, path, edge)


def at(value: Any, path: Path) -> Any:
    for step in path:
        value = value[step]
    return value


def leaves(value: Any, path: Path = ()) -> list[Path]:
    """Where ``value`` holds an int, a float or a str (dict keys and list indexes)."""
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in leaves(item, (*path, key))]
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in leaves(item, (*path, i))]
    if isinstance(value, int | float | str) and not isinstance(value, bool):
        return [path]
    return []


def replaced(value: Any, path: Path, new: Any) -> Any:
    """A copy of ``value`` with what is at ``path`` replaced by ``new``."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: replaced(value[head], rest, new)}
    return [replaced(item, rest, new) if i == head else item for i, item in enumerate(value)]
