"""Benchmark: RUFUS passings ingestion at batch sizes 1, 100 and 5,000 against /healthz.

    .venv/bin/python bench/passings.py [--backend sqlite|postgresql] [--seconds 10]
                                       [--devices 8] [--rounds 2]

Creates a throwaway database, a RUFUS key, one device and one active session per virtual
user, serves it with ``sessionary serve``, then runs baseline, batch 1, baseline, batch 100,
baseline, batch 5000, baseline, ... for ``--rounds`` rounds and writes
bench/results/<date>-passings-<backend>.md. Everything is torn down on exit, error, Ctrl-C
or SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import asyncpg

from harness import (
    cli,
    main_for,
    open_backend,
    postmaster_pid,
    serve,
    server_env,
    source_state,
    temp_dir,
    tuning_env,
)
from loadgen import PhaseResult
from passings_load import (
    BATCHES,
    Device,
    healthz_loops,
    passings_loops,
    provision_devices,
    run_loops,
)
from passings_report import PassingsRun, render
from report import Measured
from run import Probe, _versions

RESULTS = Path(__file__).resolve().parent / "results"
EVENTS_STATE = """
SELECT n_live_tup, coalesce(last_analyze, last_autoanalyze) IS NOT NULL AS analyzed
FROM pg_stat_user_tables WHERE relname = 'events'"""
SCENARIO = "passings"
TENANT = "bench"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    p.add_argument("--seconds", type=float, default=10.0, help="duration of each batch phase")
    p.add_argument("--baseline-seconds", type=float, default=4.0, help="each /healthz phase")
    p.add_argument("--devices", type=int, default=8, help="virtual users = devices = sessions")
    p.add_argument("--rounds", type=int, default=2, help="passes over the three batch sizes")
    p.add_argument("--warmup", type=float, default=2.0, help="unrecorded batch-100 warm-up, s")
    p.add_argument("--workers", type=int, default=1, help="granian worker processes")
    p.add_argument(
        "--analyze",
        action="store_true",
        help="postgresql: ANALYZE events after the warm-up (steady state with statistics)",
    )
    p.add_argument("--out", type=Path, default=None, help="report path (default: results/)")
    args = p.parse_args(argv)
    if min(args.devices, args.rounds, args.workers) < 1:
        p.error("--devices, --rounds and --workers must be >= 1")
    if args.analyze and args.backend != "postgresql":
        p.error("--analyze needs --backend postgresql")
    if min(args.seconds, args.baseline_seconds) <= 0 or args.warmup < 0:
        p.error("--seconds and --baseline-seconds must be > 0, --warmup >= 0")
    return args


def default_out(backend: str, workers: int, analyze: bool) -> Path:
    suffix = ("" if workers == 1 else f"-{workers}workers") + ("-analyzed" if analyze else "")
    return RESULTS / f"{datetime.date.today().isoformat()}-{SCENARIO}-{backend}{suffix}.md"


def provision_rufus_key(env: dict[str, str]) -> str:
    """Migrate, create the tenant and a READ_WRITE RUFUS key; its api_key."""
    cli(env, "db", "upgrade")
    cli(env, "tenants", "create", TENANT, "--json")
    out = cli(
        env, "rufus", "keys", "create", "--tenant", TENANT, "--access", "READ_WRITE", "--json"
    )
    api_key: str = json.loads(out)["api_key"]
    return api_key


def schedule(rounds: int) -> list[tuple[str, int]]:
    """(label, batch size) in run order; batch size 0 is a /healthz baseline phase."""
    order: list[tuple[str, int]] = [("baseline 1", 0)]
    for r in range(1, rounds + 1):
        for size in BATCHES:
            order.append((f"batch {size} r{r}", size))
            order.append((f"baseline {len(order) // 2 + 1}", 0))
    return order


async def pg_fetchrow(url: str, sql: str) -> Any:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchrow(sql)
    finally:
        await conn.close()


async def pg_events_state(url: str) -> str:
    """Rows in ``events`` and whether PostgreSQL has statistics for it yet (plans depend on it)."""
    row = await pg_fetchrow(url, EVENTS_STATE)
    if row is None:
        return "n/a"
    return f"{row['n_live_tup']:,} rows, {'analyzed' if row['analyzed'] else 'never analyzed'}"


async def load(
    args: argparse.Namespace, port: int, api_key: str, probe: Probe, db_url: str | None
) -> tuple[list[Measured], list[Device], dict[str, str]]:
    devices = await provision_devices(port, api_key, args.devices)
    healthz = healthz_loops(args.devices)

    def phase(name: str, size: int, seconds: float) -> Coroutine[Any, Any, PhaseResult]:
        loops = healthz if size == 0 else passings_loops(devices, size)
        return run_loops(name, port, api_key, loops, seconds)

    if args.warmup > 0:
        await phase("warm-up", 100, args.warmup)
        await phase("warm-up", 0, min(args.warmup, 1.0))
    if args.analyze and db_url is not None:
        await pg_fetchrow(db_url, "ANALYZE events")
    measured, table_state = [], {}
    for label, size in schedule(args.rounds):
        seconds = args.baseline_seconds if size == 0 else args.seconds
        print(f"  {label}: {seconds:g} s ...", file=sys.stderr, flush=True)
        name = "baseline" if size == 0 else f"batch {size}"
        measured.append(await probe.measure(label, phase(name, size, seconds)))
        if db_url is not None and size != 0:
            table_state[label] = await pg_events_state(db_url)
    return measured, devices, table_state


def run(args: argparse.Namespace, argv: str) -> Path:
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(temp_dir())
        url, db_port = open_backend(stack, args.backend, tmp)
        env = server_env(url)
        api_key = provision_rufus_key(env)
        source = source_state()
        server = stack.enter_context(serve(env, tmp, args.workers))
        print(f"serving on 127.0.0.1:{server.port}; load:", file=sys.stderr, flush=True)
        probe = Probe(server.proc.pid, None if db_port is None else postmaster_pid(db_port))
        pg_url = url if args.backend == "postgresql" else None
        phases, devices, table_state = asyncio.run(load(args, server.port, api_key, probe, pg_url))
        server.stop()
        info = PassingsRun(
            argv=argv,
            backend=args.backend,
            workers=args.workers,
            devices=len(devices),
            seconds=args.seconds,
            baseline_seconds=args.baseline_seconds,
            warmup_s=args.warmup,
            rounds=args.rounds,
            versions=_versions(),
            source=source,
            tuning=tuning_env(),
            server_log=server.log.read_text(errors="replace"),
            sent=sum(d.next_num - 1 for d in devices),
            table_state=table_state,
            analyzed=args.analyze,
        )
        out: Path = args.out or default_out(args.backend, args.workers, args.analyze)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(render(info, phases))
        return out


def main(argv: list[str] | None = None) -> int:
    return main_for("passings.py", argv, lambda given, shown: run(parse_args(given), shown))


if __name__ == "__main__":
    sys.exit(main())
