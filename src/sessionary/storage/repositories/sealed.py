"""Every place a value sealed under ``SESSIONARY_SECRET_KEY`` is stored, defined once.

The start-up key check samples them (``probes.py``) and ``sessionary secrets reseal`` walks
them; a new sealed column is one more line in ``SEALED``."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, LargeBinary, Table, Text, cast, func, literal, select, update

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

    async def swap(self, place: str, key: int | str, old: bytes, new: bytes) -> bool:
        p = PLACES[place]
        stmt = update(p.table).where(p.table.c[p.key] == key, p.value() == p.stored(old))
        result = await self._ex.execute(stmt.values({p.column: self._new_value(p, new)}))
        return bool(getattr(result, "rowcount", 0))

    def _new_value(self, p: SealedPlace, new: bytes) -> object:
        """The column's new value; inside JSON, only that key is set, so a concurrent change
        to the document's other keys is kept."""
        if p.json_key is None:
            return p.stored(new)
        column, text = p.table.c[p.column], new.decode()
        if self._ex.dialect == "postgresql":
            name, value = cast(literal(p.json_key), Text), cast(literal(text), Text)
            return column.op("||")(func.jsonb_build_object(name, value))
        return func.json_set(column, f'$."{p.json_key}"', text)
