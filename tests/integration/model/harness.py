"""What the state machine drives: the real services on one event loop, a clock set to the
microsecond, and a second connection that reads the rows back."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from sessionary.bootstrap import Container, build
from sessionary.config import Settings
from sessionary.domain.model import Micros

from .rows import Reader, Row

T = TypeVar("T")
TABLES = ("sessions", "lifecycle", "audit", "events", "subjects", "credentials")


class ModelClock:
    """The services' clock, set to the microsecond (FakeClock advances by float seconds)."""

    def __init__(self, start: Micros) -> None:
        self.at = start
        self.high = start  # the latest time shown: steps back stay within a second of it

    def now(self) -> Micros:
        return self.at

    def move(self, to: Micros) -> None:
        self.at = to
        self.high = max(self.high, to)


@dataclass(slots=True)
class Harness:
    """Hypothesis rules are synchronous; the services are not. One loop runs every call, so
    asyncpg's connections stay on the loop that made them."""

    runner: asyncio.Runner
    container: Container
    reader: Reader
    clock: ModelClock

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.runner.run(coro)

    def rows(self, tenant_pk: int) -> dict[str, list[Row]]:
        return {t: self.run(self.reader.rows(t, tenant_pk)) for t in TABLES}


@contextmanager
def harness(settings: Settings, clock: ModelClock) -> Iterator[Harness]:
    with asyncio.Runner() as runner:
        reader = Reader(settings.database_url)
        runner.run(reader.connect())
        container = runner.run(_build(settings, clock))
        try:
            yield Harness(runner, container, reader, clock)
        finally:
            runner.run(reader.close())
            runner.run(container.close())


async def _build(settings: Settings, clock: ModelClock) -> Container:
    return build(settings, clock=clock)  # in the loop: the engine's pool belongs to it


def by_session(records: list[Row]) -> dict[int, list[Row]]:
    """Lifecycle rows grouped by session, each session's in the order they were written."""
    grouped: dict[int, list[Row]] = {}
    for row in records:
        grouped.setdefault(row["session_pk"], []).append(row)
    return grouped
