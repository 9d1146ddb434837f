"""CPU and peak RSS of a server's process tree (granian main + workers), around one phase."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from harness import tree_pids, tree_sched


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


class TreeMeter:
    """``start()`` before a phase, ``stop()`` after: CPU seconds of the tree and its peak RSS."""

    def __init__(self, root: int) -> None:
        self.root = root
        self._cpu0 = 0.0

    def start(self) -> None:
        reset_peaks(self.root)
        self._cpu0 = tree_sched(self.root).cpu_s

    def stop(self) -> Usage:
        return Usage(tree_sched(self.root).cpu_s - self._cpu0, peak_rss_mb(self.root))
