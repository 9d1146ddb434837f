"""Workers stop when the process that supervises them dies.

granian's workers are forked processes. When the supervisor is killed on its own (SIGKILL of
its pid, the OOM killer) nobody tells them: they live on as orphans, keep serving the shared
socket, and a restarted server would share the port with them. Two guards, because either
alone has a gap: the kernel's parent-death signal (Linux) is immediate, and a watchdog thread
that sees the parent pid change covers other platforms and a worker whose parent died before
it could ask for the signal. Both ask for a graceful stop (SIGTERM); the watchdog ends the
process if that has not happened after a grace period (an endless stream, a stuck request)."""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time

log = logging.getLogger("sessionary.supervision")
_PR_SET_PDEATHSIG = 1
CHECK_INTERVAL_S = 0.5
GRACE_S = 5.0


def stop_with_supervisor() -> None:
    """In a worker process: arrange to stop when the supervisor dies. Does nothing in a
    process that has no supervising parent (one process, or granian's thread workers)."""
    parent = multiprocessing.parent_process()
    if parent is None or parent.pid is None:
        return
    _ask_for_parent_death_signal()
    watchdog = threading.Thread(
        target=_watch, args=(parent.pid,), name="supervisor-watchdog", daemon=True
    )
    watchdog.start()


def _ask_for_parent_death_signal() -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):  # no prctl: the watchdog alone
        log.warning("parent-death signal unavailable; relying on the watchdog")


def _watch(supervisor_pid: int) -> None:
    while os.getppid() == supervisor_pid:
        time.sleep(CHECK_INTERVAL_S)
    log.error("the supervising process %d is gone; this worker stops", supervisor_pid)
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(GRACE_S)
    log.error("worker did not stop within %.0f s of its supervisor; exiting", GRACE_S)
    os._exit(1)
