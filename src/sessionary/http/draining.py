"""Where this server is in its stop, shared by ``sessionary serve`` and its granian workers.

On SIGTERM the supervisor does not stop its workers at once (cli/drain.py): it marks the
server *draining*, so every worker's ``/readyz`` answers 503 while it still serves whatever a
load balancer sends before it notices; after the drain period it marks it *stopping*, so open
event streams end and background loops stop, and only then does granian stop the workers
(they finish the requests in flight, then run the lifespan shutdown).

The phase lives in one shared byte, made by the supervisor before it forks the workers: a
read costs nothing, on every ``/readyz`` and every stream poll. A process that was not forked
from ``serve`` (tests, the CLI) has no shared byte and is always serving."""

from __future__ import annotations

import asyncio
import multiprocessing
from typing import Any

SERVING, DRAINING, STOPPING = 0, 1, 2
WATCH_S = 0.05  # how soon a worker notices the stop: streams end within this
DRAIN_KEY = "drain"
_shared: dict[str, Any] = {}


def share() -> None:
    """In the supervisor, before the workers are forked."""
    _shared["phase"] = multiprocessing.RawValue("b", SERVING)


def enter(phase: int) -> None:
    """Move forward (never back): a second SIGTERM during the drain skips to stopping."""
    value = _shared.get("phase")
    if value is not None and value.value < phase:
        value.value = phase


def phase() -> int:
    value = _shared.get("phase")
    return SERVING if value is None else int(value.value)


def draining() -> bool:
    """``/readyz`` answers 503 from the first SIGTERM on."""
    return phase() >= DRAINING


class Stop:
    """The stopping phase as an event a worker's coroutines can wait on."""

    def __init__(self) -> None:
        self.event = asyncio.Event()

    async def watch(self) -> None:
        if "phase" not in _shared:
            return  # not under ``serve`` (tests, the CLI): nothing will ever stop it
        # Polled: the phase is set by another process, which cannot set an asyncio event
        while phase() < STOPPING:  # noqa: ASYNC110
            await asyncio.sleep(WATCH_S)
        self.event.set()

    async def within(self, timeout_s: float) -> bool:
        """Wait up to ``timeout_s``; True once the server is stopping."""
        if not self.event.is_set():
            try:
                await asyncio.wait_for(self.event.wait(), timeout_s)
            except TimeoutError:
                return False
        return True
