"""Test helpers shared by every suite: a controllable clock and database set-up."""

from __future__ import annotations

import asyncio
import itertools
import re
import shutil
import time
from pathlib import Path

import asyncpg

from sessionary.domain.model import SECOND, Micros
from sessionary.storage.migrate import upgrade

_names = itertools.count(1)


class FakeClock:
    """Starts at the real time; tests move it forward to cross expiry boundaries."""

    def __init__(self, start: Micros | None = None) -> None:
        self._now = start if start is not None else time.time_ns() // 1000

    def now(self) -> Micros:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += int(seconds * SECOND)

    def clear_of_midnight(self, seconds: float) -> None:
        """Moves just past the next UTC midnight if it is less than ``seconds`` away, so that
        a test advancing by up to ``seconds`` stays within one day (and one month)."""
        day = 86_400 * SECOND
        to_midnight = day - self._now % day
        if to_midnight < seconds * SECOND:
            self._now += to_midnight + SECOND


def sqlite_template(directory: Path) -> Path:
    """Migrate once; each test copies the file (much faster than migrating per test)."""
    path = directory / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


def sqlite_database(template: Path, directory: Path) -> str:
    target = directory / "test.db"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


def postgres_database(port: int, template: str) -> str:
    name = f"t_{next(_names)}"

    async def create() -> None:
        conn = await asyncpg.connect(
            host="127.0.0.1", port=port, user="postgres", database="postgres"
        )
        try:
            await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        finally:
            await conn.close()

    asyncio.run(create())
    return f"postgresql://postgres@127.0.0.1:{port}/{name}"


_KEY_FILE = re.compile(r"^Bootstrap operator key written to (\S+) \(")


def bootstrap_key(output: str) -> str | None:
    """The bootstrap key ``serve`` gave, off a terminal: the file its output names."""
    for line in output.splitlines():
        if found := _KEY_FILE.match(line):
            return Path(found.group(1)).read_text().strip()
    return None
