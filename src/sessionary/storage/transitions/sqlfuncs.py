"""The few SQL functions both engines have under different names, as SQLAlchemy constructs, so
a transition is written once and compiled for each (PostgreSQL first, SQLite second)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction
from sqlalchemy.types import JSON


class greatest(GenericFunction[int]):
    """The larger of non-NULL values (PostgreSQL ignores NULLs here, SQLite returns NULL:
    callers never pass one)."""

    type = BigInteger()
    inherit_cache = True


class least(GenericFunction[int]):
    type = BigInteger()
    inherit_cache = True


class json_object(GenericFunction[Any]):
    """A JSON object from alternating keys and values."""

    type = JSON()
    inherit_cache = True


@compiles(greatest, "sqlite")
def _max(element: greatest, compiler: Any, **kw: Any) -> str:
    return f"MAX({compiler.process(element.clauses, **kw)})"


@compiles(least, "sqlite")
def _min(element: least, compiler: Any, **kw: Any) -> str:
    return f"MIN({compiler.process(element.clauses, **kw)})"


@compiles(json_object, "postgresql")
def _jsonb_build_object(element: json_object, compiler: Any, **kw: Any) -> str:
    return f"jsonb_build_object({compiler.process(element.clauses, **kw)})"


@compiles(json_object, "sqlite")
def _json_object(element: json_object, compiler: Any, **kw: Any) -> str:
    return f"json_object({compiler.process(element.clauses, **kw)})"
