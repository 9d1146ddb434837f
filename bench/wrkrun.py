"""Run one wrk phase (a Lua script of bench/wrk/) and parse the JSON its ``done()`` prints."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

WRK_DIR = Path(__file__).resolve().parent / "wrk"
THREADS = 2
MARK = "WRKJSON "
SAMPLE = "WRKSAMPLE "


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    errors: dict[str, int]
    items: int
    max_used: int  # most pool ids one thread consumed (each thread walks its own share)
    latency_us: dict[str, float]
    raw: dict[str, Any] = field(repr=False)
    samples: list[str] = field(default_factory=list)  # first failed answers: "status body"

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def items_per_s(self) -> float:
        return self.items / self.seconds if self.seconds else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise RuntimeError("wrk is not installed: run bench/ensure-wrk (Debian's wrk package)")
    return found


def run_wrk(
    script: str,
    port: int,
    seconds: float,
    connections: int,
    env: dict[str, str],
    timeout_s: float = 10.0,
) -> WrkResult:
    """``wrk -t2 -cN -dS --timeout T -s wrk/<script>.lua http://127.0.0.1:port`` with BENCH_*
    variables in its environment; a hard stop at the duration plus twice the timeout."""
    args = [
        wrk_binary(),
        f"-t{min(THREADS, connections)}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        f"--timeout={timeout_s:g}s",
        "-s",
        str(WRK_DIR / f"{script}.lua"),
        f"http://127.0.0.1:{port}",
    ]
    full_env = {**os.environ, **env, "BENCH_THREADS": str(min(THREADS, connections))}
    res = subprocess.run(
        args,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=seconds + 2 * timeout_s + 30,
        check=False,
    )
    line = next((ln for ln in res.stdout.splitlines() if ln.startswith(MARK)), None)
    if res.returncode != 0 or line is None:
        raise RuntimeError(f"wrk {script} failed ({res.returncode}): {res.stdout}{res.stderr}")
    data: dict[str, Any] = json.loads(line[len(MARK) :])
    return WrkResult(
        requests=int(data["requests"]),
        seconds=data["duration_us"] / 1e6,
        errors={k: int(v) for k, v in data["errors"].items()},
        items=int(data["items"]),
        max_used=int(data["max_used"]),
        latency_us={k: float(v) for k, v in data["latency_us"].items()},
        raw=data,
        samples=[ln[len(SAMPLE) :] for ln in res.stdout.splitlines() if ln.startswith(SAMPLE)],
    )
