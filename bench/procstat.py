"""CPU and peak RSS of a server's process tree (granian main + workers), around one phase; and
a wait for the tree to go quiet before one."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from pathlib import Path

from harness import machine_busy_s, tree_pids, tree_sched


def reset_peaks(root: int) -> None:
    """Reset VmHWM of every process of the tree (``5`` > clear_refs), so a phase's peak is its
    own; silently skipped where the kernel refuses."""
    for pid in tree_pids(root):
        with contextlib.suppress(OSError):
            Path(f"/proc/{pid}/clear_refs").write_text("5")


def peak_rss_mb(root: int) -> float:
    """The largest VmHWM (peak resident set) of any one process of the tree, in MiB."""
    peak_kb = 0
    for pid in tree_pids(root):
        with contextlib.suppress(OSError, ValueError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak_kb = max(peak_kb, int(line.split()[1]))
    return peak_kb / 1024


@dataclass
class Usage:
    cpu_s: float
    peak_rss_mb: float
    machine_cores: float = 0.0  # cores the whole machine kept busy (neighbours too), on average


class TreeMeter:
    """``start()`` before a phase, ``stop()`` after: CPU seconds of the tree and its peak RSS."""

    def __init__(self, root: int) -> None:
        self.root = root
        self._cpu0 = self._busy0 = self._t0 = 0.0

    def start(self) -> None:
        reset_peaks(self.root)
        self._cpu0 = tree_sched(self.root).cpu_s
        self._busy0, self._t0 = machine_busy_s(), time.monotonic()

    def stop(self) -> Usage:
        busy = (machine_busy_s() - self._busy0) / max(time.monotonic() - self._t0, 1e-3)
        return Usage(tree_sched(self.root).cpu_s - self._cpu0, peak_rss_mb(self.root), busy)


def quiesce(
    root: int, idle_share: float = 0.05, window_s: float = 0.25, limit_s: float = 30.0
) -> float:
    """Wait until the tree at ``root`` runs under ``idle_share`` of one CPU for ``window_s``
    (up to ``limit_s``): requests still in flight when the load generator of the phase before
    stopped (sixteen RUFUS 5,000-batches hold ~1 s of work) must not be billed to the next
    phase. The seconds it waited."""
    started = time.monotonic()
    while time.monotonic() - started < limit_s:
        before = tree_sched(root).cpu_s
        time.sleep(window_s)
        if tree_sched(root).cpu_s - before < idle_share * window_s:
            break
    return time.monotonic() - started
