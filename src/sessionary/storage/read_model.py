"""The read models of ``domain.read_models`` over a ``Database``.

Each read opens a read-only unit of work (so it gets the same locking, timeouts and error
translation as every use case) and hands out only its read-model queries, never its write
repositories."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from ..domain.read_models import ConsoleQueries, GaugeQueries
from .database import Database
from .repositories.console import SqlConsoleQueries
from .repositories.stats import SqlStatsQueries


class SqlReadModel:
    def __init__(self, database: Database) -> None:
        self._database = database

    @contextlib.asynccontextmanager
    async def console(self) -> AsyncIterator[ConsoleQueries]:
        async with self._database.unit_of_work(write=False) as uow:
            queries: SqlConsoleQueries = uow.console
            yield queries
            await uow.commit()

    @contextlib.asynccontextmanager
    async def gauges(self) -> AsyncIterator[GaugeQueries]:
        async with self._database.unit_of_work(write=False) as uow:
            queries: SqlStatsQueries = uow.stats
            yield queries
            await uow.commit()
