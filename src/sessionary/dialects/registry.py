"""The installed dialects, in one ordered list: the four built in, then the plug-ins named in
``SESSIONARY_EXTRA_DIALECTS`` (``package.module:NAME``, comma-separated), in that order."""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Iterable, Sequence

from .descriptor import Dialect, Mount

# The CLI's order of commands and the console's order of key cards.
BUILTIN = (
    "sessionary.dialects.rufus:DIALECT",
    "sessionary.dialects.hivemp:DIALECT",
    "sessionary.dialects.pagos:DIALECT",
    "sessionary.dialects.casino:DIALECT",
)
ENV = "SESSIONARY_EXTRA_DIALECTS"
_PATH = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
RESERVED_PREFIXES = ("/v1", "/admin")


class DialectError(Exception):
    """A plug-in path that does not name a ``Dialect``, or two dialects claiming one thing."""


def parse_paths(value: str) -> tuple[str, ...]:
    paths = tuple(filter(None, (part.strip() for part in value.split(","))))
    for path in paths:
        if not _PATH.match(path):
            raise ValueError(f"{path!r} is not a plug-in path such as my_pkg.dialect:DIALECT")
    return paths


def extra_from_env() -> tuple[str, ...]:
    """For the CLI, which builds its commands before (and without) validating all settings."""
    return parse_paths(os.environ.get(ENV, ""))


def load(path: str) -> Dialect:
    module_name, _, attribute = path.partition(":")
    try:
        found = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise DialectError(f"cannot load dialect {path}: {exc}") from None
    if not isinstance(found, Dialect):
        raise DialectError(f"{path} is a {type(found).__name__}, not a Dialect")
    return found


def installed(extra: Iterable[str] = ()) -> list[Dialect]:
    dialects = [load(path) for path in (*BUILTIN, *extra)]
    names = [d.name for d in dialects]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise DialectError(f"dialect names must be unique: {', '.join(twice)}")
    return dialects


def check_prefixes(mounts: Sequence[Mount]) -> None:
    """Two surfaces on one prefix would shadow each other's routes and errors."""
    prefixes = [m.prefix for m in mounts]
    clash = sorted({p for p in prefixes if prefixes.count(p) > 1 or p in RESERVED_PREFIXES})
    if clash:
        raise DialectError(f"mount prefixes must be unique and not /v1 or /admin: {clash}")
