"""Liveness and readiness probes."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from typing import Any

from litestar import Request, Response, get

from ..services.registry import Services
from .draining import draining

log = logging.getLogger("sessionary.health")
WRITE_CHECK_KEY = "write_check"
RECHECK_S = 1.0
# Set by `serve` for its workers when the schema is ahead of this code but compatible
SCHEMA_NOTE_ENV = "SESSIONARY_SCHEMA_NOTE"


class WriteCheck:
    """Whether the database takes writes, asked in the background (a fresh connection every
    few seconds) so that neither /readyz nor any request path pays for it."""

    def __init__(self, container: Services) -> None:
        self._probe = container.probe
        self._interval_s = container.settings.ready_write_check_s
        self._min_free = container.settings.ready_min_free_bytes
        self.problem: str | None = None
        self._checked_at = 0.0

    async def run_forever(self) -> None:
        while True:
            await self.check()
            await asyncio.sleep(self._interval_s)

    async def check(self) -> str | None:
        problem = await self._probe.write_problem(self._min_free)
        self._checked_at = time.monotonic()
        if problem != self.problem:
            log.warning("database writes: %s", problem or "working again")
        self.problem = problem
        return problem

    async def current(self) -> str | None:
        """The last result; while it is a problem, checked again (at most once a second), so
        readiness comes back as soon as the database does, not a whole interval later."""
        if self.problem is not None and time.monotonic() - self._checked_at >= RECHECK_S:
            return await self.check()
        return self.problem


@get("/healthz", include_in_schema=False)
async def healthz() -> dict[str, str]:
    """The process is up and serving."""
    return {"status": "ok"}


@get("/readyz", include_in_schema=False)
async def readyz(request: Request[Any, Any, Any]) -> Response[dict[str, str]]:
    """The database answers and takes writes; load balancers stop routing here when not. A
    schema ahead of this code's (a rolling upgrade) is named in ``schema``."""
    services: Services = request.app.state.container
    if draining():  # SIGTERM: leave the load balancer's rotation while still serving
        return _ready({"status": "unavailable", "reason": "draining: the server is stopping"}, 503)
    if not await services.probe.ping():
        reason = "the database does not answer"
        return _ready({"status": "unavailable", "reason": reason}, 503)
    check: WriteCheck | None = request.app.state.get(WRITE_CHECK_KEY)
    if check is not None and (problem := await check.current()) is not None:
        return _ready({"status": "unavailable", "reason": problem}, 503)
    return _ready({"status": "ok"}, 200)


def _ready(body: dict[str, str], status: int) -> Response[dict[str, str]]:
    if note := os.environ.get(SCHEMA_NOTE_ENV):
        body["schema"] = note
    return Response(body, status_code=status)
