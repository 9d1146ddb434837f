"""Process, garbage-collector and build metrics, which prometheus_client's multiprocess mode
leaves out.

One worker: prometheus_client's own process and GC collectors, on the app's registry.
Several workers (``PROMETHEUS_MULTIPROC_DIR`` set): a process's own collectors would describe
whichever worker answered the scrape, a different one each time, so
- ``process_*`` series are read from ``/proc/<pid>`` of every live worker (the pids name the
  files in that directory) and carry a ``pid`` label: any worker answers for all of them;
- ``python_gc_*`` counters are counted by each worker through ``gc.callbacks`` into shared
  counters and summed over the workers, as the request counters are. The callback only adds
  to plain integers (taking a lock inside a collection could deadlock against the code the
  collection interrupted); ``GcCounts.flush`` moves them into the counters, once a second and
  at each scrape."""

from __future__ import annotations

import gc
import platform
import re
from collections.abc import Iterator, Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from prometheus_client import Counter
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector

_WORKER_FILE = re.compile(r"_(\d+)\.db$")
GENERATIONS = ("0", "1", "2")


def worker_pids(directory: str) -> list[int]:
    """Pids of the workers that wrote metric files and are still running."""
    names = (p.name for p in Path(directory).glob("*.db"))
    found = {int(m.group(1)) for name in names if (m := _WORKER_FILE.search(name))}
    return sorted(pid for pid in found if Path(f"/proc/{pid}").exists())


class WorkerProcesses(Collector):
    """``process_*`` of every live worker, labelled with its pid."""

    def __init__(self, directory: str) -> None:
        self._directory = directory

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        families: dict[str, Metric] = {}
        for pid in worker_pids(self._directory):
            reader = ProcessCollector(pid=lambda pid=pid: pid, registry=None)  # type: ignore[misc]
            for family in reader.collect():
                merged = families.setdefault(
                    family.name, Metric(family.name, family.documentation, family.type)
                )
                for s in family.samples:
                    merged.add_sample(s.name, {**s.labels, "pid": str(pid)}, s.value)
        yield from families.values()


def _counter(name: str, doc: str) -> Counter:
    # No registry: in multiprocess mode the values live in the shared files, read from there.
    return Counter(name, doc, ["generation"], registry=None)


class GcCounts:
    """Collections, collected and uncollectable objects per generation, for the shared
    counters of multiprocess mode; one per process (``gc_counts``)."""

    def __init__(self) -> None:
        self._pending: dict[tuple[str, str], int] = {}
        self._counters = {
            "collections": _counter("python_gc_collections", "Collections per generation"),
            "collected": _counter("python_gc_objects_collected", "Objects collected"),
            "uncollectable": _counter(
                "python_gc_objects_uncollectable", "Uncollectable objects found"
            ),
        }
        gc.callbacks.append(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase != "stop":
            return
        generation = str(info["generation"])
        for key, n in (("collections", 1), ("collected", info["collected"])):
            self._pending[key, generation] = self._pending.get((key, generation), 0) + n
        uncollectable = ("uncollectable", generation)
        self._pending[uncollectable] = self._pending.get(uncollectable, 0) + info["uncollectable"]

    def flush(self) -> None:
        pending, self._pending = self._pending, {}
        for (key, generation), n in pending.items():
            self._counters[key].labels(generation).inc(n)


_GC_COUNTS: GcCounts | None = None


def gc_counts() -> GcCounts:
    """This process's GC counters, made (and the callback installed) on first use."""
    global _GC_COUNTS
    if _GC_COUNTS is None:
        _GC_COUNTS = GcCounts()
        for generation in GENERATIONS:  # every series exists from the first scrape
            for counter in _GC_COUNTS._counters.values():
                counter.labels(generation)
    return _GC_COUNTS


def package_version() -> str:
    try:
        return version("sessionary")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def build_info(backend: str, commit: str | None) -> Metric:
    info = GaugeMetricFamily(
        "sessionary_build_info",
        "Always 1; the labels say what is running: version, Python, git commit, database backend",
        labels=["version", "python", "commit", "backend"],
    )
    python = f"{platform.python_implementation()} {platform.python_version()}"
    info.add_metric([package_version(), python, commit or "unknown", backend], 1.0)
    return info


def git_commit(start: Path) -> str | None:
    """The commit of a git checkout ``start`` lies in (``make run`` from a clone), read from
    the files under .git without running git; None outside a checkout."""
    for folder in (start, *start.parents):
        dot = folder / ".git"
        if dot.is_file():  # a worktree: "gitdir: <path>"
            dot = Path(dot.read_text().partition(":")[2].strip())
        if dot.is_dir():
            return _resolve(dot, (dot / "HEAD").read_text().strip())
    return None


def _resolve(gitdir: Path, head: str) -> str | None:
    if not head.startswith("ref:"):
        return head or None
    ref = head[4:].strip()
    common = gitdir
    if (gitdir / "commondir").is_file():
        common = (gitdir / (gitdir / "commondir").read_text().strip()).resolve()
    for base in (gitdir, common):
        if (base / ref).is_file():
            return (base / ref).read_text().strip()
    packed = common / "packed-refs"
    if packed.is_file():
        for line in packed.read_text().splitlines():
            if line.endswith(" " + ref):
                return line.split(" ", 1)[0]
    return None


def commit_from(environ: Mapping[str, str], here: Path) -> str | None:
    """``SOURCE_COMMIT`` if the build set it (the Dockerfile's build argument), else the
    checkout this code runs from."""
    return environ.get("SOURCE_COMMIT") or git_commit(here)
