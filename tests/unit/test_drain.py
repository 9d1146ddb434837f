"""The supervisor's SIGTERM: drain first, then stop; everything else stops at once."""

from __future__ import annotations

import signal
import threading

import pytest

from sessionary.cli.drain import Drainer
from sessionary.http import draining


@pytest.fixture(autouse=True)
def shared(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(draining, "_shared", {})
    draining.share()


def test_sigterm_drains_with_readyz_failing_then_stops_when_the_drain_period_ends() -> None:
    stopped = threading.Event()
    drainer = Drainer(0.2, stopped.set)
    drainer.signal(signal.SIGTERM)
    assert draining.draining() and draining.phase() == draining.DRAINING
    assert not stopped.is_set()
    assert stopped.wait(10)
    assert draining.phase() == draining.STOPPING


def test_a_second_sigterm_during_the_drain_stops_at_once() -> None:
    calls: list[str] = []
    drainer = Drainer(60, lambda: calls.append("stop"))
    drainer.signal(signal.SIGTERM)
    drainer.signal(signal.SIGTERM)
    assert calls == ["stop"] and draining.phase() == draining.STOPPING


@pytest.mark.parametrize(("signum", "drain_s"), [(signal.SIGINT, 60.0), (signal.SIGTERM, 0.0)])
def test_ctrl_c_or_a_zero_drain_period_stops_at_once(signum: int, drain_s: float) -> None:
    calls: list[str] = []
    Drainer(drain_s, lambda: calls.append("stop")).signal(signum)
    assert calls == ["stop"] and draining.phase() == draining.STOPPING


def test_the_phase_never_goes_back() -> None:
    draining.enter(draining.STOPPING)
    draining.enter(draining.DRAINING)
    assert draining.phase() == draining.STOPPING


def test_a_process_not_forked_from_serve_is_always_serving(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(draining, "_shared", {})
    draining.enter(draining.STOPPING)
    assert not draining.draining()


async def test_the_stop_event_is_set_once_the_supervisor_says_stopping() -> None:
    stop = draining.Stop()
    assert not await stop.within(0.01)
    draining.enter(draining.STOPPING)
    await stop.watch()
    assert await stop.within(0)
