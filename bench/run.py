"""Benchmark: open -> 10 single-event appends -> close, against a /healthz baseline.

    .venv/bin/python bench/run.py [--seconds 10] [--concurrency 32]
                                  [--backend sqlite|postgresql] [--workers 1]

Creates a throwaway database, serves it with ``sessionary serve``, runs a baseline phase,
the scenario phase and a second baseline phase, writes bench/results/<date>-...-<backend>.md,
then tears everything down (also on Ctrl-C, SIGTERM or errors).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import os
import sys
from collections.abc import Coroutine
from importlib.metadata import version
from pathlib import Path
from typing import Any

from harness import (
    Sched,
    machine_busy_s,
    main_for,
    open_backend,
    postmaster_pid,
    proc_sched,
    provision_key,
    serve,
    server_env,
    source_state,
    temp_dir,
    tree_sched,
    tuning_env,
)
from loadgen import PhaseResult, run_phase
from report import Measured, RunInfo, render
from stepcost import StepCosts, measure_steps

RESULTS = Path(__file__).resolve().parent / "results"
SCENARIO = "open-events-close"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--seconds", type=float, default=10.0, help="duration of each phase")
    p.add_argument("--concurrency", type=int, default=32, help="virtual users = connections")
    p.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    p.add_argument("--workers", type=int, default=1, help="granian worker processes")
    p.add_argument("--warmup", type=float, default=2.0, help="unrecorded scenario warm-up, s")
    p.add_argument("--rounds", type=int, default=3, help="scenario phases, each between baselines")
    p.add_argument("--step-scenarios", type=int, default=50, help="sequential per-step probe")
    p.add_argument("--client", choices=("raw", "httpx"), default="raw", help="load client")
    p.add_argument("--out", type=Path, default=None, help="report path (default: results/)")
    args = p.parse_args(argv)
    if min(args.concurrency, args.workers, args.rounds) < 1 or args.seconds <= 0:
        p.error("--seconds must be > 0; --concurrency, --workers and --rounds >= 1")
    if args.warmup < 0 or args.step_scenarios < 0:
        p.error("--warmup and --step-scenarios must be >= 0")
    return args


def default_out(backend: str, workers: int) -> Path:
    """results/<date>-open-events-close-<backend>.md (``-<N>workers`` when N > 1)."""
    suffix = "" if workers == 1 else f"-{workers}workers"
    return RESULTS / f"{datetime.date.today().isoformat()}-{SCENARIO}-{backend}{suffix}.md"


class Probe:
    """Scheduler counters of server, database, load generator and machine around a phase."""

    def __init__(self, server_pid: int, db_pid: int | None) -> None:
        self.server_pid, self.db_pid = server_pid, db_pid

    def sample(self) -> tuple[Sched, Sched | None, Sched, float]:
        db = None if self.db_pid is None else tree_sched(self.db_pid)
        me = proc_sched(os.getpid())
        return tree_sched(self.server_pid), db, me, machine_busy_s()

    async def measure(self, label: str, phase: Coroutine[Any, Any, PhaseResult]) -> Measured:
        s0, d0, c0, m0 = self.sample()
        result = await phase
        s1, d1, c1, m1 = self.sample()
        db = None if d0 is None or d1 is None else d1 - d0
        return Measured(
            label, result, server=s1 - s0, db=db, client=c1 - c0, machine_busy_s=m1 - m0
        )


async def load(
    args: argparse.Namespace, port: int, secret: str, probe: Probe
) -> tuple[list[Measured], StepCosts | None]:
    def phase(name: str, seconds: float) -> Coroutine[Any, Any, PhaseResult]:
        return run_phase(
            name, port, secret, users=args.concurrency, seconds=seconds, client_kind=args.client
        )

    if args.warmup > 0:
        await phase("scenario", args.warmup)
        await phase("baseline", min(args.warmup, 1.0))
    names = ["baseline", *["scenario", "baseline"] * args.rounds]
    measured = []
    for i, name in enumerate(names):
        label = f"{name} {i // 2 + 1}" if name == "scenario" else f"{name} {(i + 1) // 2 + 1}"
        print(f"  {label}: {args.seconds:g} s ...", file=sys.stderr, flush=True)
        measured.append(await probe.measure(label, phase(name, args.seconds)))
    costs = None
    if args.step_scenarios > 0:
        print(f"  per-step CPU: {args.step_scenarios} sequential scenarios ...", file=sys.stderr)
        costs = await measure_steps(port, secret, probe.server_pid, args.step_scenarios)
    return measured, costs


def run(args: argparse.Namespace, argv: str) -> Path:
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(temp_dir())
        url, db_port = open_backend(stack, args.backend, tmp)
        env = server_env(url)
        secret = provision_key(env)
        source = source_state()  # what the server is about to import
        server = stack.enter_context(serve(env, tmp, args.workers))
        print(f"serving on 127.0.0.1:{server.port}; load:", file=sys.stderr, flush=True)
        probe = Probe(server.proc.pid, None if db_port is None else postmaster_pid(db_port))
        phases, costs = asyncio.run(load(args, server.port, secret, probe))
        server.stop()
        info = RunInfo(
            argv=argv,
            backend=args.backend,
            workers=args.workers,
            users=args.concurrency,
            seconds=args.seconds,
            warmup_s=args.warmup,
            rounds=args.rounds,
            client=args.client,
            step_costs=costs,
            versions=_versions(),
            source=source,
            tuning=tuning_env(),
            server_log=server.log.read_text(errors="replace"),
        )
        out: Path = args.out or default_out(args.backend, args.workers)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(render(info, phases))
        return out


def _versions() -> dict[str, str]:
    names = ("granian", "litestar", "msgspec", "sqlalchemy", "asyncpg", "httpx")
    return {name: version(name) for name in names}


def main(argv: list[str] | None = None) -> int:
    return main_for("run.py", argv, lambda given, shown: run(parse_args(given), shown))


if __name__ == "__main__":
    sys.exit(main())
