"""Growth: close and get latency as the database grows, and the sweeper's and retention's cost.

    .venv/bin/python bench/growth.py [--sizes 10k,1M,10M] [--events-per-session 5]
                                     [--expired 1M] [--seconds 8] [--workers 2]

PostgreSQL only (a throwaway cluster). For each size, sessions (and their events) are
bulk-loaded server-side with generate_series (bench/seed.py) on top of the previous size, then
the tables are vacuumed and analysed (what autovacuum would otherwise do during the phases),
and ``sessionary serve`` is driven by wrk at 16 connections: after unmeasured warm-ups
(``WARM_CLOSE_S``, ``WARM_S``), native close for ``CLOSE_S`` (ids never used before: a phase
must not run out of them, or it measures refusals) and native get for ``--seconds``. Then
``--expired`` sessions past their expiry are loaded and one ``sessionary sweep`` is timed
(durable expiry), then the tenant's retention is set to one day and a second ``sweep`` is
timed (retention removes them). Writes bench/results/<date>-growth.{json,md}.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

from harness import REPO, main_for, provision_key, serve, server_env, temp_dir
from seed import Batch, load
from suite_report import RESULTS, machine, versions
from wrkrun import run_wrk

LIVE_IDS = 1_000  # get picks among these at random
WARM_IDS = 1_500  # closed in the unmeasured warm-up of WARM_CLOSE_S
WARM_CLOSE_S = 0.5
WARM_S = 1.0  # get, before its measured phase
CLOSE_IDS = 20_000  # at most; each close consumes one, so the close phase is short
# Up to ~3,000 closes/s here: 4,500 ids. At 10k sessions 7,500 are left, split between wrk's
# two threads; with 6,500 a fast run took 98 repeats of closed ids (errors) at the end.
CLOSE_S = 1.5
MIN_SIZE = 10_000


def count(text: str) -> int:
    units = {"k": 1_000, "m": 1_000_000}
    t = text.strip().lower()
    return int(float(t[:-1]) * units[t[-1]]) if t[-1] in units else int(t)


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--sizes", default="10k,1M,10M", help="session counts, ascending")
    p.add_argument("--events-per-session", type=int, default=5, help="events loaded per session")
    p.add_argument("--expired", default="1M", help="expired sessions for the sweeper (0 = skip)")
    p.add_argument("--seconds", type=float, default=8.0, help="each wrk phase")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--shared-buffers", default="128MB",
                   help="PostgreSQL's cache (its default; 4GB: no difference at 1M)")  # fmt: skip
    p.add_argument("--out", type=Path, default=None)
    args = p.parse_args(argv)
    try:
        args.size_list = [count(s) for s in args.sizes.split(",")]
        args.expired_n = count(args.expired)
    except (ValueError, IndexError, KeyError):
        p.error("sizes are numbers with an optional k or M suffix")
    if args.size_list != sorted(args.size_list) or min(args.size_list) < MIN_SIZE:
        p.error(f"--sizes ascending, each >= {MIN_SIZE}")
    return args


def measure(port: int, key: str, ids: dict[str, Path], seconds: float) -> dict[str, float]:
    auth = f"Bearer {key}"
    out: dict[str, float] = {}
    close = {"BENCH_AUTH": auth, "BENCH_METHOD": "POST", "BENCH_PATH": "/v1/sessions/{id}/close",
             "BENCH_BODY": "{}", "BENCH_PICK": "consume",
             "BENCH_IDS": str(ids["close"])}  # fmt: skip
    get = {"BENCH_AUTH": auth, "BENCH_METHOD": "GET", "BENCH_PATH": "/v1/sessions/{id}",
           "BENCH_PICK": "random", "BENCH_IDS": str(ids["live"])}  # fmt: skip
    run_wrk("ids", port, WARM_CLOSE_S, 16, {**close, "BENCH_IDS": str(ids["warm"])})  # unmeasured
    run_wrk("ids", port, WARM_S, 16, get)
    for name, env, phase_s in (("close", close, CLOSE_S), ("get", get, seconds)):
        res = run_wrk("ids", port, phase_s, 16, env)
        out |= {f"{name}_rps": res.rps, f"{name}_p50_ms": res.latency_us["p50"] / 1000,
                f"{name}_p99_ms": res.latency_us["p99"] / 1000,
                f"{name}_errors": res.error_count}  # fmt: skip
    return out


def sweep_timed(env: dict[str, str]) -> tuple[float, dict[str, int]]:
    t0 = time.perf_counter()
    res = subprocess.run([str(Path(sys.executable).parent / "sessionary"), "sweep", "--json"],
                         env=env, cwd=REPO, capture_output=True, text=True, timeout=7200,
                         check=True)  # fmt: skip
    return time.perf_counter() - t0, json.loads(res.stdout)


def run(args: argparse.Namespace, argv: str) -> Path:
    sys.path.insert(0, str(REPO))
    from tests.pgcluster import PgCluster

    rows: list[dict[str, object]] = []
    sweep: dict[str, object] = {}
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(temp_dir())
        cluster = PgCluster({"shared_buffers": args.shared_buffers})
        stack.callback(cluster.stop)
        cluster.start()
        url = cluster.create_database("growth")
        env = {**server_env(url), "SESSIONARY_SWEEP_INTERVAL_S": "0"}
        key = provision_key(env)
        loaded, rng = 0, random.Random(9)
        for size in args.size_list:
            batch = Batch("bench", "native", "user", "u-", "ses_", 26, loaded + 1, size - loaded,
                          subjects=10_000, events=args.events_per_session)  # fmt: skip
            print(f"loading {batch.count:,} sessions ...", file=sys.stderr, flush=True)
            load_s = load(url, batch)
            vacuum_s = settle(url)
            loaded = size
            ids = id_files(tmp, size, batch, rng)
            with serve(env, tmp, args.workers) as server:
                m = measure(server.port, key, ids, args.seconds)
            rows.append({"sessions": size, "events": size * args.events_per_session,
                         "load_s": load_s, "vacuum_s": vacuum_s, **m,
                         "disk": disk()})  # fmt: skip
            print(f"  {rows[-1]}", file=sys.stderr, flush=True)
        if args.expired_n:
            sweep = sweeper(env, url, args.expired_n)
    return write(args, argv, rows, sweep)


def id_files(tmp: Path, size: int, batch: Batch, rng: random.Random) -> dict[str, Path]:
    """Never-closed ids of this size's batch: warm-up closes, measured closes, live (get)."""
    n_close = min(CLOSE_IDS, batch.count - LIVE_IDS - WARM_IDS)
    counts = {"warm": WARM_IDS, "close": n_close, "live": LIVE_IDS}
    picks = iter(rng.sample(range(batch.first, batch.first + batch.count), sum(counts.values())))
    files = {}
    for name, n in counts.items():
        files[name] = tmp / f"{name}-{size}.ids"
        files[name].write_text("\n".join(batch.session_id(next(picks)) for _ in range(n)) + "\n")
    return files


def settle(url: str) -> float:
    """VACUUM (ANALYZE) after a load, timed: what autovacuum would otherwise start on the
    loaded tables (PostgreSQL vacuums after inserts too) while the phases run."""
    t0 = time.perf_counter()
    run_sql(url, "VACUUM (ANALYZE)")
    return time.perf_counter() - t0


def run_sql(url: str, statement: str) -> None:
    """One statement outside any transaction, on a connection of its own."""
    import asyncio

    import asyncpg

    async def go() -> None:
        conn = await asyncpg.connect(url)
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    asyncio.run(go())


def sweeper(env: dict[str, str], url: str, n: int) -> dict[str, object]:
    batch = Batch("bench", "native", "user", "x-", "exp_", 26, 1, n, subjects=10_000,
                  expired_ago_s=3 * 86_400)  # fmt: skip
    print(f"loading {n:,} expired sessions ...", file=sys.stderr, flush=True)
    load_s = load(url, batch)
    expiry_s, expiry = sweep_timed(env)
    _set_retention(url)
    retention_s, retention = sweep_timed(env)
    return {"expired_sessions": n, "load_s": load_s, "expiry_s": expiry_s, "expiry": expiry,
            "retention_s": retention_s, "retention": retention}  # fmt: skip


def _set_retention(url: str) -> None:
    run_sql(url, "UPDATE tenants SET retention_days = 1 WHERE name = 'bench'")


def disk() -> str:
    usage = shutil.disk_usage("/tmp")
    return f"{usage.free / 1024**3:.0f} GiB free"


def write(args: argparse.Namespace, argv: str, rows: list[dict[str, object]],
          sweep: dict[str, object]) -> Path:  # fmt: skip
    stem = args.out or RESULTS / f"{datetime.date.today().isoformat()}-growth"
    meta = {"argv": argv, "machine": machine(), "versions": versions("see suite report"),
            "workers": args.workers, "seconds": args.seconds,
            "shared_buffers": args.shared_buffers}  # fmt: skip
    stem.with_suffix(".json").write_text(json.dumps({"meta": meta, "sizes": rows,
                                                     "sweeper": sweep}, indent=1))  # fmt: skip
    lines = [f"# Growth — {datetime.date.today().isoformat()}\n", f"`{argv}`, PostgreSQL "
             f"(shared_buffers {args.shared_buffers}), {args.workers} workers, wrk 16 "
             f"connections, close {CLOSE_S:g} s and get {args.seconds:g} s per size.\n",
             "| sessions | events | load s | vacuum s | close req/s | close p50 ms | "
             "close p99 ms | get req/s | get p50 ms | get p99 ms | errors |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for r in rows:
        lines.append(f"| {r['sessions']:,} | {r['events']:,} | {r['load_s']:.0f} | "
                     f"{float(r.get('vacuum_s', 0)):.0f} | "  # type: ignore[arg-type]
                     f"{r['close_rps']:,.0f} | {r['close_p50_ms']:.1f} | {r['close_p99_ms']:.1f} | "
                     f"{r['get_rps']:,.0f} | {r['get_p50_ms']:.1f} | {r['get_p99_ms']:.1f} | "
                     f"{int(r['close_errors']) + int(r['get_errors'])} |")  # type: ignore[call-overload]  # fmt: skip
    if len(rows) > 1:
        ratio = float(rows[-1]["close_p50_ms"]) / float(rows[0]["close_p50_ms"])  # type: ignore[arg-type]
        lines.append(f"\nClose p50 at {rows[-1]['sessions']:,} / at {rows[0]['sessions']:,}: "
                     f"{ratio:.2f}x (target ≤ 1.2x).")  # fmt: skip
    if sweep:
        lines.append(f"\nSweeper: {sweep['expired_sessions']:,} expired sessions made durable in "
                     f"{float(sweep['expiry_s']):.1f} s ({sweep['expiry']}); retention removed "  # type: ignore[arg-type]
                     f"them in {float(sweep['retention_s']):.1f} s ({sweep['retention']}).")  # type: ignore[arg-type]  # fmt: skip
    md = stem.with_suffix(".md")
    md.write_text("\n".join(lines) + "\n")
    return md


def main(argv: list[str] | None = None) -> int:
    return main_for("growth.py", argv, lambda given, shown: run(parse_args(given), shown))


if __name__ == "__main__":
    sys.exit(main())
