"""Liveness and readiness probes.

``/readyz`` runs a list of named checks (``Readiness``), each answering None when fine or
why not; the body names every check's answer and 503 says at least one failed. Other parts
of the server add their own check with ``readiness(app).add(name, probe)``."""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Litestar, Request, Response, get

from ..services.registry import Services
from .draining import draining

log = logging.getLogger("sessionary.health")
READINESS_KEY = "readiness"
RECHECK_S = 1.0  # a failing cached check is asked again at most this often
SCHEMA_MAX_AGE_S = 10.0  # the schema moves only with a migration: read it this often
NOT_CHECKED = "not checked: the database does not answer"
NOT_CHECKED_DRAINING = "not checked: the server is draining"
CHECK_TIMEOUT_S = 2.0  # load balancers' probes give up after a few seconds
OK = "ok"
Probe = Callable[[], Awaitable[str | None]]


class Cached:
    """A probe's last answer. With ``max_age_s`` it is asked again once the answer is that
    old; without, a background loop (``run_forever``) keeps it fresh, so neither /readyz nor
    any request path pays for it. While the answer is a problem it is asked again at most once
    a second, so readiness comes back as soon as the database does."""

    def __init__(self, name: str, probe: Probe, max_age_s: float | None = None) -> None:
        self.name = name
        self._probe = probe
        self._max_age_s = math.inf if max_age_s is None else max_age_s
        self._at = time.monotonic() if max_age_s is None else -math.inf
        self._lock = asyncio.Lock()
        self.problem: str | None = None

    async def run_forever(self, interval_s: float) -> None:
        while True:
            await self.check()
            await asyncio.sleep(interval_s)

    async def check(self) -> str | None:
        async with self._lock:
            try:
                problem = await self._probe()
            except Exception as exc:  # a probe that fails says so; /readyz never fails itself
                problem = f"the check failed: {type(exc).__name__}"
            self._at = time.monotonic()
            if problem != self.problem:
                log.warning("readiness %s: %s", self.name, problem or "working again")
            self.problem = problem
        return problem

    async def __call__(self) -> str | None:
        age = time.monotonic() - self._at
        stale = age >= (RECHECK_S if self.problem is not None else self._max_age_s)
        if stale and not self._lock.locked():
            return await self.check()
        return self.problem


class Readiness:
    """The named checks of /readyz, in order: ``draining`` (set on shutdown; first, so it is
    the ``reason`` while the server stops), ``database`` (answers), ``writable`` (a fresh
    connection could write), ``schema`` (this code serves it). The checks that need the
    database are not run while it does not answer, and none may take longer than
    ``CHECK_TIMEOUT_S``: a probe stuck behind a held lock is a reason, not a hung /readyz."""

    def __init__(self) -> None:
        self.checks: dict[str, Probe] = {}
        self._needs_database: set[str] = set()
        self.draining = False
        self.schema_note: str | None = None  # a schema ahead of this code, compatible
        self.add("draining", self._draining)

    def add(self, name: str, probe: Probe, needs_database: bool = False) -> None:
        """Add (or replace) a check, after the others."""
        if needs_database:
            self._needs_database.add(name)
        self.checks[name] = probe

    async def _draining(self) -> str | None:
        # Set here (tests, embedders) or by `serve`'s supervisor on SIGTERM (http/draining.py).
        stopping = self.draining or draining()
        return "draining: the server is stopping" if stopping else None

    async def report(self) -> dict[str, str]:
        results: dict[str, str] = {}
        for name, probe in self.checks.items():
            if results.get("draining", OK) != OK:  # stopping: answer the balancer at once
                results[name] = NOT_CHECKED_DRAINING
            elif name in self._needs_database and results.get("database", OK) != OK:
                results[name] = NOT_CHECKED
            else:
                results[name] = await _ask(probe)
        return results


async def _ask(probe: Probe) -> str:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            return await probe() or OK
    except TimeoutError:
        return f"no answer within {CHECK_TIMEOUT_S:g} s"
    except Exception as exc:  # a check that fails is a reason, not a 500
        return f"the check failed: {type(exc).__name__}"


def readiness(app: Litestar) -> Readiness:
    found = app.state.get(READINESS_KEY)
    assert isinstance(found, Readiness), "create_app sets up readiness"
    return found


def standard_checks(container: Services) -> Readiness:
    """The checks every server runs; ``writable`` (absent when ``ready_write_check_s`` is 0)
    is kept fresh by the app's lifespan."""
    ready = Readiness()
    probe = container.probe

    async def database() -> str | None:
        return None if await probe.ping() else "the database does not answer"

    async def schema() -> str | None:
        serves, message = await probe.schema_problem()
        ready.schema_note = message if serves else None
        return None if serves else message or "the database schema cannot be served"

    min_free = container.settings.ready_min_free_bytes
    ready.add("database", database)
    if container.settings.ready_write_check_s > 0:
        writable = Cached("writable", lambda: probe.write_problem(min_free))
        ready.add("writable", writable, needs_database=True)
    ready.add("schema", Cached("schema", schema, SCHEMA_MAX_AGE_S), needs_database=True)
    return ready


@get("/healthz", include_in_schema=False)
async def healthz() -> dict[str, str]:
    """The process is up and serving."""
    return {"status": "ok"}


@get("/readyz", include_in_schema=False)
async def readyz(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    """Whether load balancers should route here; each failing check names its reason."""
    ready = readiness(request.app)
    checks = await ready.report()
    failing = [name for name, answer in checks.items() if answer != OK]
    body: dict[str, Any] = {"status": "unavailable" if failing else "ok"}
    if failing:  # ``reason``: the first one, as before the checks were named
        body.update(reason=checks[failing[0]], failing=failing)
    body["checks"] = checks
    if ready.schema_note is not None:
        body["schema"] = ready.schema_note
    return Response(body, status_code=503 if failing else 200)
