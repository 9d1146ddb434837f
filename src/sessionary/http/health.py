"""Liveness and readiness probes."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from litestar import Request, Response, get

from ..bootstrap import Container

log = logging.getLogger("sessionary.health")
WRITE_CHECK_KEY = "write_check"


class WriteCheck:
    """Whether the database takes writes, asked in the background (a fresh connection every
    few seconds) so that neither /readyz nor any request path pays for it."""

    def __init__(self, container: Container) -> None:
        self._database = container.database
        self._interval_s = container.settings.ready_write_check_s
        self._min_free = container.settings.ready_min_free_bytes
        self.problem: str | None = None

    async def run_forever(self) -> None:
        while True:
            problem = await self._database.write_problem(self._min_free)
            if problem != self.problem:
                log.warning("database writes: %s", problem or "working again")
            self.problem = problem
            await asyncio.sleep(self._interval_s)


@get("/healthz", include_in_schema=False)
async def healthz() -> dict[str, str]:
    """The process is up and serving."""
    return {"status": "ok"}


@get("/readyz", include_in_schema=False)
async def readyz(request: Request[Any, Any, Any]) -> Response[dict[str, str]]:
    """The database answers and takes writes; load balancers stop routing here when not."""
    if not await request.app.state.container.database.ping():
        reason = "the database does not answer"
        return Response({"status": "unavailable", "reason": reason}, status_code=503)
    check: WriteCheck | None = request.app.state.get(WRITE_CHECK_KEY)
    if check is not None and check.problem is not None:
        return Response({"status": "unavailable", "reason": check.problem}, status_code=503)
    return Response({"status": "ok"}, status_code=200)
