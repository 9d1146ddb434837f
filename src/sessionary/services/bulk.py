"""A bound on how many large request bodies one worker holds decoded at a time.

A 5,000-passing batch is about 8 MB of Python objects from decoding to commit; sixteen such
requests at once grew each worker from ~110 to ~175 MB (bench, RUFUS 5,000-batches). Requests
whose declared body is large take one of a few slots before they read it; the database is what
bounds their rate anyway, so they queue without losing throughput. Small requests never wait.

The queue is bounded in time: a request that waited ``MAX_WAIT_S`` for a slot is refused as
rate limited (retry in a second) rather than answered long after its client gave up, and an
Idempotency-Key it holds is never left claimed past the 60 s after which a retry takes it over
(services/idempotency.py)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Any

from ..domain.errors import RateLimited

LARGE_BODY_BYTES = 64 * 1024
MAX_WAIT_S = 20.0


class BulkGate:
    def __init__(self, slots: int, max_wait_s: float = MAX_WAIT_S) -> None:
        self._slots = slots
        self._max_wait_s = max_wait_s
        self._semaphore: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def slot(self, declared_bytes: int) -> AbstractAsyncContextManager[Any]:
        """A slot for a body declared at ``LARGE_BODY_BYTES`` or more; nothing otherwise.
        Raises RateLimited when none frees within the wait bound."""
        if declared_bytes < LARGE_BODY_BYTES:
            return contextlib.nullcontext()
        return self._held()

    @contextlib.asynccontextmanager
    async def _held(self) -> AsyncIterator[None]:
        semaphore = self._semaphore_of_this_loop()
        try:
            async with asyncio.timeout(self._max_wait_s):
                await semaphore.acquire()
        except TimeoutError:
            raise RateLimited(
                "too many large requests in progress; retry later", retry_after=1
            ) from None
        try:
            yield
        finally:
            semaphore.release()

    def _semaphore_of_this_loop(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._semaphore is None or self._loop is not loop:
            self._semaphore, self._loop = asyncio.Semaphore(self._slots), loop
        return self._semaphore
