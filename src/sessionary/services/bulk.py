"""A bound on how many large request bodies one worker holds decoded at a time.

A 5,000-passing batch is about 8 MB of Python objects from decoding to commit; sixteen such
requests at once grew each worker from ~110 to ~175 MB (bench, RUFUS 5,000-batches). Requests
whose declared body is large take one of a few slots before they read it; the database is what
bounds their rate anyway, so they queue without losing throughput. Small requests never wait."""

from __future__ import annotations

import asyncio
import contextlib
from contextlib import AbstractAsyncContextManager
from typing import Any

LARGE_BODY_BYTES = 64 * 1024


class BulkGate:
    def __init__(self, slots: int) -> None:
        self._slots = slots
        self._semaphore: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def slot(self, declared_bytes: int) -> AbstractAsyncContextManager[Any]:
        """A slot for a body declared at ``LARGE_BODY_BYTES`` or more; nothing otherwise."""
        if declared_bytes < LARGE_BODY_BYTES:
            return contextlib.nullcontext()
        return self._semaphore_of_this_loop()

    def _semaphore_of_this_loop(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._semaphore is None or self._loop is not loop:
            self._semaphore, self._loop = asyncio.Semaphore(self._slots), loop
        return self._semaphore
