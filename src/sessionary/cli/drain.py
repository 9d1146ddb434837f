"""What ``sessionary serve`` does with SIGTERM: drain, then stop (http/draining.py).

granian stops its workers as soon as its supervisor gets SIGTERM or SIGINT. An orchestrator's
SIGTERM is the first moment a load balancer can learn that this node goes away, so the node
keeps serving for ``SESSIONARY_DRAIN_S`` with ``/readyz`` at 503, then stops. SIGINT (Ctrl-C
in a terminal) and a second SIGTERM stop without waiting."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable

from ..http import draining

log = logging.getLogger("sessionary.serve")


class Drainer:
    def __init__(self, drain_s: float, stop: Callable[[], None]) -> None:
        self._drain_s = drain_s
        self._stop = stop  # granian's own interrupt: stops the workers gracefully
        self._timer: threading.Timer | None = None

    def signal(self, signum: int) -> None:
        """Called from the supervisor's signal handler: nothing here may block."""
        if signum != signal.SIGTERM or self._timer is not None or self._drain_s <= 0:
            self.stop_now()
            return
        draining.enter(draining.DRAINING)
        log.warning(
            "SIGTERM: draining for %.1f s (/readyz answers 503), then stopping", self._drain_s
        )
        # A daemon: a server stopped otherwise meanwhile (a worker died) need not wait for it
        self._timer = threading.Timer(self._drain_s, self.stop_now)
        self._timer.daemon = True
        self._timer.start()

    def stop_now(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        draining.enter(draining.STOPPING)
        log.warning("stopping: requests in flight finish, event streams end, new ones are refused")
        self._stop()
