"""The event-loop lag probe: a blocked loop is measured, counted in the histogram and logged."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import pytest

from sessionary.observability.loop_lag import LoopLagMonitor


async def test_a_loop_blocked_past_the_threshold_is_observed_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen: list[float] = []
    monitor = LoopLagMonitor(seen.append, interval_s=0.01, warn_s=0.05)
    task = asyncio.create_task(monitor.run_forever())
    await asyncio.sleep(0.03)
    with caplog.at_level(logging.WARNING, logger="sessionary.loop"):
        time.sleep(0.15)  # noqa: ASYNC251 - a long synchronous step, as a handler might do
        await asyncio.sleep(0.03)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert max(seen) >= 0.1
    stalls = [r.getMessage() for r in caplog.records if r.name == "sessionary.loop"]
    assert stalls  # a loaded machine may add a stall of its own
    assert all(m.startswith("event loop blocked for ") for m in stalls)


def test_a_timer_that_fires_early_counts_as_no_lag(caplog: pytest.LogCaptureFixture) -> None:
    seen: list[float] = []
    with caplog.at_level(logging.WARNING, logger="sessionary.loop"):
        LoopLagMonitor(seen.append, interval_s=0.1, warn_s=0.05).record(-0.0004)
    assert seen == [0.0]
    assert not caplog.records


def test_a_short_lag_is_observed_without_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    seen: list[float] = []
    with caplog.at_level(logging.WARNING, logger="sessionary.loop"):
        LoopLagMonitor(seen.append, interval_s=0.1, warn_s=0.05).record(0.002)
    assert seen == [0.002]
    assert not caplog.records
