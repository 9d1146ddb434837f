"""How long the event loop was blocked: a timer that should fire every ``interval_s`` is timed,
and its lateness is what every request in flight on this worker waited extra.

Each lateness goes to the ``sessionary_event_loop_lag_seconds`` histogram; one past
``warn_s`` is logged as a warning. A stall shows up as one late tick whatever blocked the loop
(a long synchronous database step, a garbage collection, the scheduler), so this answers
"was it this process?" for a p99 spike; py-spy answers "what was it?" (bench/PROFILE.md)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

log = logging.getLogger("sessionary.loop")


class LoopLagMonitor:
    def __init__(
        self,
        observe: Callable[[float], None],
        interval_s: float,
        warn_s: float,
    ) -> None:
        self._observe = observe
        self._interval_s = interval_s
        self._warn_s = warn_s

    async def run_forever(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + self._interval_s
            await asyncio.sleep(self._interval_s)
            self.record(loop.time() - due)

    def record(self, lag_s: float) -> None:
        lag_s = max(lag_s, 0.0)
        self._observe(lag_s)
        if lag_s >= self._warn_s:
            log.warning(
                "event loop blocked for %.0f ms",
                lag_s * 1000,
                extra={"lag_ms": round(lag_s * 1000, 1)},
            )
