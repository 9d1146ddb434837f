"""Every place a value sealed under ``SESSIONARY_SECRET_KEY`` is stored, defined once.

The start-up key check samples them (``probes.py``) and ``sessionary secrets reseal`` walks
them; a new sealed column is one more line in ``SEALED``."""

from __future__ import annotations

import builtins
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    LargeBinary,
    Table,
    Text,
    Update,
    bindparam,
    cast,
    column,
    func,
    literal,
    select,
    update,
    values,
)

from ...domain.ports import SealedValue
from ..executor import Executor
from ..tables import credentials, idempotency, webhooks


@dataclass(frozen=True, slots=True)
class SealedPlace:
    """A sealed value in ``table.column`` (text or bytes), or in the text at ``json_key`` of
    that JSON column; rows are walked in ``key`` order, sampled newest ``recent`` first."""

    table: Table
    column: str
    json_key: str | None = None
    key: str = "pk"
    recent: str = "pk"

    @property
    def name(self) -> str:
        return ".".join(filter(None, (self.table.name, self.column, self.json_key)))

    @property
    def is_bytes(self) -> bool:
        return isinstance(self.table.c[self.column].type, LargeBinary)

    def value(self) -> ColumnElement[object]:
        column = self.table.c[self.column]
        return column if self.json_key is None else column[self.json_key].as_string()

    def stored(self, sealed: bytes) -> bytes | str:
        """A token as this place stores it: bytes, or its (ASCII) text."""
        return sealed if self.is_bytes else sealed.decode()


SEALED = (
    SealedPlace(webhooks, "secret_sealed"),
    SealedPlace(webhooks, "previous_secret_sealed"),  # during a rotation's overlap
    SealedPlace(credentials, "attributes", json_key="secret_sealed"),  # casino partners
    SealedPlace(idempotency, "body", key="scope_key", recent="created_at"),
)
PLACES = {place.name: place for place in SEALED}


def as_token(value: Any) -> bytes:
    return value.encode() if isinstance(value, str) else bytes(value)


class SqlSealedRepository:
    def __init__(self, ex: Executor) -> None:
        self._ex = ex

    def places(self) -> builtins.list[str]:
        return list(PLACES)

    async def count(self, place: str) -> int:
        where = PLACES[place].value().is_not(None)
        stmt = select(func.count()).select_from(PLACES[place].table).where(where)
        return int((await self._ex.execute(stmt)).scalar_one())

    async def page(
        self, place: str, after: int | str | None, limit: int
    ) -> builtins.list[SealedValue]:
        p = PLACES[place]
        key, value = p.table.c[p.key], p.value()
        stmt = select(key, value).where(value.is_not(None)).order_by(key).limit(limit)
        if after is not None:
            stmt = stmt.where(key > after)
        rows: Any = (await self._ex.execute(stmt)).all()
        return [SealedValue(k, as_token(v)) for k, v in rows]

    async def swap(self, place: str, changes: Sequence[tuple[SealedValue, bytes]]) -> int:
        """Each new value where the value read is still stored, in one statement: on SQLite
        one prepared UPDATE run for every row (no round trips there); on PostgreSQL
        WITH swap(k, old, new) AS (VALUES ...) UPDATE ... FROM swap, since a statement per row
        held the batch's rows five times longer (measured)."""
        if not changes:
            return 0
        p = PLACES[place]
        rows = [(v.key, p.stored(v.sealed), p.stored(new)) for v, new in changes]
        if self._ex.dialect == "sqlite":
            params = [{"swap_k": k, "swap_old": old, "swap_new": new} for k, old, new in rows]
            result = await self._ex.execute(_sqlite_swap(place), params)
            return int(getattr(result, "rowcount", 0))
        token = LargeBinary() if p.is_bytes else Text()
        triples = values(
            column("k", p.table.c[p.key].type), column("old", token), column("new", token)
        )
        swap = triples.data(rows).cte("swap")
        stmt = update(p.table).where(p.table.c[p.key] == swap.c.k, p.value() == swap.c.old)
        stmt = stmt.values({p.column: _new_value(p, swap.c.new, "postgresql")})
        result = await self._ex.execute(stmt.returning(p.table.c[p.key]))
        return len(result.all())


@functools.cache
def _sqlite_swap(place: str) -> Update:
    p = PLACES[place]
    same = (p.table.c[p.key] == bindparam("swap_k"), p.value() == bindparam("swap_old"))
    column = p.table.c[p.column]
    new = bindparam("swap_new", type_=column.type if p.json_key is None else Text())
    return update(p.table).where(*same).values({p.column: _new_value(p, new, "sqlite")})


def _new_value(p: SealedPlace, new: ColumnElement[Any], dialect: str) -> ColumnElement[Any]:
    """Inside JSON only that key is set, so a concurrent change to the document's other keys
    is kept."""
    column = p.table.c[p.column]
    if p.json_key is None:
        return new
    if dialect == "postgresql":
        pair = func.jsonb_build_object(cast(literal(p.json_key), Text), cast(new, Text))
        return column.op("||")(pair)
    return func.json_set(column, f'$."{p.json_key}"', new)
