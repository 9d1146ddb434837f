"""Workers stop when the process that supervises them dies.

granian's workers are forked processes. When the supervisor is killed on its own (SIGKILL of
its pid, the OOM killer) nobody tells them: they live on as orphans, keep serving the shared
socket, and a restarted server would share the port with them.

Right after the fork, in the child (``os.register_at_fork``) and before any other code runs,
the worker asks the kernel to kill it when its parent dies (Linux ``PR_SET_PDEATHSIG``), and
exits at once if the parent already has. The signal is SIGKILL, not a graceful SIGTERM: with
SIGTERM, workers were seen (granian 2.8) to hang for good in granian's shutdown, its Rust code
holding the GIL, so no Python handler or thread could run again. A worker without its
supervisor has nobody to answer to; its transactions are atomic, and its in-flight requests
were lost with the supervisor anyway. Elsewhere than Linux a watchdog thread that sees the
parent pid change does the same, as far as the GIL lets it.

The child also puts SIGTERM and SIGINT back to their defaults: it inherits granian's supervisor
handlers, which in a worker only set a flag nobody reads, so a worker stopped before it installs
its own handlers would ignore the stop.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable

log = logging.getLogger("sessionary.supervision")
_PR_SET_PDEATHSIG = 1
CHECK_INTERVAL_S = 0.5
_supervisor = {"pid": 0}


def guard_forked_workers() -> None:
    """In the supervisor, before granian forks its workers."""
    prctl = _prctl()

    def remember_parent() -> None:
        _supervisor["pid"] = os.getpid()

    def in_new_child() -> None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        if prctl is not None:
            prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != _supervisor["pid"]:  # it died before the request took effect
            os._exit(1)

    os.register_at_fork(before=remember_parent, after_in_child=in_new_child)


def _prctl() -> Callable[..., int] | None:
    """libc's prctl, looked up in the supervisor: the forked child only calls it."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


def stop_with_supervisor() -> None:
    """In a worker process where the kernel cannot be asked: watch the supervisor. Nothing
    to do in a process without a supervising parent (one process, granian's thread workers)."""
    parent = multiprocessing.parent_process()
    if parent is None or parent.pid is None or sys.platform.startswith("linux"):
        return
    watchdog = threading.Thread(
        target=_watch, args=(parent.pid,), name="supervisor-watchdog", daemon=True
    )
    watchdog.start()


def _watch(supervisor_pid: int) -> None:
    while os.getppid() == supervisor_pid:
        time.sleep(CHECK_INTERVAL_S)
    log.error("the supervising process %d is gone; this worker stops", supervisor_pid)
    os._exit(1)
