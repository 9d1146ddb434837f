"""The benchmark suite of issue #9: every scenario, against a ceiling and a naive peer.

    .venv/bin/python bench/suite.py [--seconds 8] [--configs sqlite:1,sqlite:2,postgresql:1,...]

For each configuration (backend x workers) it loads a fresh database, serves it with
``sessionary serve``, serves a bare Starlette route (the ceiling) and the FastAPI + ORM peer
with the same workers, and drives all of them with wrk (bench/wrk/*.lua), phase after phase.
Writes bench/results/<date>-suite.{json,md,png}. See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from harness import main_for, serve, server_env, source_state, temp_dir
from procstat import TreeMeter, quiesce
from settle import settle
from suite_report import RESULTS, render_all
from suite_setup import (
    BENCH,
    Fixtures,
    granian,
    prepare_peer,
    provision,
    serve_fixtures,
)
from wrkrun import THREADS, WrkResult, run_wrk

DEFAULT_CONFIGS = "sqlite:1,sqlite:2,postgresql:1,postgresql:2"


@dataclass
class PhaseRecord:
    config: str
    target: str  # sessionary, ceiling or peer
    scenario: str
    connections: int
    items_unit: str
    rps: float
    items_per_s: float
    p50_ms: float
    p99_ms: float
    p999_ms: float
    errors: int
    error_kinds: dict[str, int]
    requests: int
    seconds: float
    cpu_us_per_req: float
    peak_rss_mb: float
    error_samples: list[str]


@dataclass
class Step:
    target: str
    scenario: str
    script: str
    connections: int
    env: dict[str, str]
    items_unit: str = "requests"
    consume: str = ""  # "native" or "hivemp" or "peer": ids this phase closes, from a pool


class Config:
    """One backend x workers: its servers, fixtures and the phases it runs."""

    def __init__(self, name: str, fx: Fixtures, seconds: float, peer_ids: list[str]) -> None:
        self.name, self.fx, self.seconds = name, fx, seconds
        self.pools = {"native": fx.close_pool, "hivemp": fx.hivemp_pool, "peer": peer_ids}
        self.offsets = {"native": 0, "hivemp": 0, "peer": 0}
        self.records: list[PhaseRecord] = []

    def steps(self) -> list[Step]:
        fx, live = self.fx, str(self.fx.live_ids)
        auth = f"Bearer {fx.native_key}"
        native = {"BENCH_AUTH": auth}
        ids = {**native, "BENCH_IDS": live, "BENCH_PICK": "random"}
        close = {**native, "BENCH_METHOD": "POST", "BENCH_PATH": "/v1/sessions/{id}/close",
                 "BENCH_BODY": "{}", "BENCH_PICK": "consume"}  # fmt: skip
        get = {**ids, "BENCH_METHOD": "GET", "BENCH_PATH": "/v1/sessions/{id}"}
        extend = {**ids, "BENCH_METHOD": "POST", "BENCH_PATH": "/v1/sessions/{id}/extend",
                  "BENCH_BODY": '{"ttl_s":3600}'}  # fmt: skip
        append = {**ids, "BENCH_METHOD": "POST", "BENCH_PATH": "/v1/sessions/{id}/events"}
        rufus = {"BENCH_AUTH": fx.rufus_key, "BENCH_TOKENS": str(fx.rufus_tokens)}
        casino = {"BENCH_LOGIN": fx.casino["secure_login"], "BENCH_TOKEN": fx.casino["token"],
                  "BENCH_GAME": fx.casino["game"]}  # fmt: skip
        hive = {"BENCH_AUTH": fx.hivemp_key, "BENCH_AUTH_HEADER": "X-API-Key",
                "BENCH_METHOD": "DELETE", "BENCH_PATH": "/hivemp/v1/session?id={id}",
                "BENCH_PICK": "consume"}  # fmt: skip
        peer_close = {"BENCH_AUTH": "Bearer peer-bench-key", "BENCH_METHOD": "POST",
                      "BENCH_PATH": "/sessions/{id}/close", "BENCH_PICK": "consume"}  # fmt: skip
        steps = [Step("ceiling", "ceiling (bare Starlette JSON)", "hello", c,
                      {"BENCH_PATH": "/hello"}) for c in (64, 16)]  # fmt: skip
        for c in (16, 64):
            steps.append(Step("sessionary", "native open", "open", c, native, "sessions"))
        for c in (16, 64):
            steps.append(Step("sessionary", "native get", "ids", c, get))
        steps.append(Step("sessionary", "native extend", "ids", 64, extend))
        for c in (16, 64):
            steps.append(Step("sessionary", "append 1 event", "ids", c,
                              {**append, "BENCH_EVENTS": "1"}, "events"))  # fmt: skip
        steps.append(Step("sessionary", "append 100 events", "ids", 64,
                          {**append, "BENCH_EVENTS": "100"}, "events"))  # fmt: skip
        for c in (16, 64):
            steps.append(Step("sessionary", "native close", "ids", c, close, "sessions", "native"))
        first = 1
        for batch in (1, 100, 5000):
            steps.append(Step("sessionary", f"RUFUS passings x{batch}", "rufus", 16,
                              {**rufus, "BENCH_BATCH": str(batch), "BENCH_FIRST": str(first)},
                              "passings"))  # fmt: skip
            first += 10_000_000
        steps.append(Step("sessionary", "HiveMP DELETE /session", "ids", 64, hive, "sessions",
                          "hivemp"))  # fmt: skip
        steps.append(Step("sessionary", "Pagos open+close", "pagos", 16,
                          {"BENCH_TOKENS": str(fx.pagos_tokens), "BENCH_APP": fx.pagos_app},
                          "sessions"))  # fmt: skip
        steps.append(Step("sessionary", "casino closesession", "casino", 64,
                          {**casino, "BENCH_OP": "close",
                           "BENCH_COUNTS": str(fx.tmp / "casino.counts")}, "sessions"))  # fmt: skip
        steps.append(Step("sessionary", "mixed (50 get/20 append/10 extend/10 open/10 close)",
                          "mixed", 64, {**native, "BENCH_IDS": live}))  # fmt: skip
        for c in (64, 16):
            steps.append(Step("peer", "peer close (FastAPI + ORM)", "ids", c, peer_close,
                              "sessions", "peer"))  # fmt: skip
        steps += [Step("ceiling", "ceiling (bare Starlette JSON)", "hello", c,
                       {"BENCH_PATH": "/hello"}) for c in (64, 16)]  # fmt: skip
        return steps

    def pool_file(self, pool: str, tag: str) -> str:
        ids = self.pools[pool][self.offsets[pool] :]
        if not ids:
            raise RuntimeError(f"{self.name}: no unused {pool} ids left for {tag}")
        return str(self.fx.ids_file(tag, ids))

    def run_step(self, step: Step, port: int, meter: TreeMeter) -> PhaseRecord:
        env = dict(step.env)
        if step.consume:
            env["BENCH_IDS"] = self.pool_file(step.consume, f"{step.consume}-{step.connections}")
        if step.scenario == "mixed (50 get/20 append/10 extend/10 open/10 close)":
            env["BENCH_CLOSE_IDS"] = self.pool_file("native", "mixed-close")
        meter.start()
        res = run_wrk(step.script, port, self.seconds, step.connections, env)
        usage = meter.stop()
        if step.consume or "BENCH_CLOSE_IDS" in env:  # thread t took ids t, t+T, t+2T, ...
            self.offsets[step.consume or "native"] += (res.max_used + 1) * THREADS
        return record(self.name, step, res, usage.cpu_s, usage.peak_rss_mb)


def record(config: str, step: Step, res: WrkResult, cpu_s: float, rss: float) -> PhaseRecord:
    lat = res.latency_us
    return PhaseRecord(
        config=config, target=step.target, scenario=step.scenario,
        connections=step.connections, items_unit=step.items_unit, rps=res.rps,
        items_per_s=res.items_per_s, p50_ms=lat["p50"] / 1000, p99_ms=lat["p99"] / 1000,
        p999_ms=lat["p99.9"] / 1000, errors=res.error_count, error_kinds=res.errors,
        requests=res.requests, seconds=res.seconds,
        cpu_us_per_req=cpu_s / res.requests * 1e6 if res.requests else 0.0, peak_rss_mb=rss,
        error_samples=res.samples[:3],
    )  # fmt: skip


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--seconds", type=float, default=8.0, help="length of each wrk phase")
    p.add_argument("--configs", default=DEFAULT_CONFIGS, help="backend:workers, comma-separated")
    p.add_argument("--close-ids", type=int, default=60_000, help="sessions loaded for closing")
    p.add_argument("--peer-ids", type=int, default=20_000, help="peer sessions for closing")
    p.add_argument("--only", default="",
                   help="run only scenarios containing this text (or one of a|b|...)")  # fmt: skip
    p.add_argument("--out", type=Path, default=None, help="report stem (default: results/...)")
    p.add_argument("--no-settle", action="store_true",
                   help="start each phase at once: no wait for the servers to go quiet, "
                        "no database checkpoint")  # fmt: skip
    args = p.parse_args(argv)
    try:
        args.config_list = [(b, int(w)) for b, w in (c.split(":") for c in args.configs.split(","))]
    except ValueError:
        p.error("--configs: backend:workers[,backend:workers...]")
    if any(b not in ("sqlite", "postgresql") or w < 1 for b, w in args.config_list):
        p.error("--configs: backend is sqlite or postgresql, workers >= 1")
    if args.seconds < 1 or min(args.close_ids, args.peer_ids) < 1000:
        p.error("--seconds >= 1; --close-ids and --peer-ids >= 1000")
    return args


def run_config(
    args: argparse.Namespace, backend: str, workers: int, cluster: object | None
) -> list[PhaseRecord]:
    name = f"{backend} {workers}w"
    print(f"== {name}", file=sys.stderr, flush=True)
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(temp_dir())
        tag = f"{backend[:2]}{workers}"
        if cluster is None:
            url, peer_url = f"sqlite:///{tmp / 'bench.db'}", f"sqlite:///{tmp / 'peer.db'}"
        else:
            url = cluster.create_database(f"bench_{tag}")  # type: ignore[attr-defined]
            peer_url = cluster.create_database(f"peer_{tag}")  # type: ignore[attr-defined]
        env = server_env(url)
        fx = provision(env, url, tmp, args.close_ids)
        peer_ids = prepare_peer(peer_url, args.peer_ids)
        server = stack.enter_context(serve(env, tmp, workers))
        serve_fixtures(fx, server.port)
        ceiling = stack.enter_context(
            granian("ceiling_app:app", BENCH, workers, env, tmp / "ceiling.log")
        )
        peer_env = {**env, "PEER_DATABASE_URL": peer_url}
        peer = stack.enter_context(
            granian("fastapi_orm:app", BENCH / "peers", workers, peer_env, tmp / "peer.log")
        )
        prep = {"BENCH_LOGIN": fx.casino["secure_login"], "BENCH_TOKEN": fx.casino["token"],
                "BENCH_GAME": fx.casino["game"], "BENCH_OP": "start",
                "BENCH_COUNTS_OUT": str(tmp / "casino.counts")}  # fmt: skip
        res = run_wrk("casino", server.port, args.seconds * 1.5, 8, prep)  # unmeasured set-up
        if res.error_count:
            print(f"  casino set-up: {res.error_count} errors: {res.samples}", file=sys.stderr)
        cfg = Config(name, fx, args.seconds, peer_ids)
        ports = {"sessionary": server, "ceiling": ceiling, "peer": peer}
        databases = {"sessionary": url, "peer": peer_url}
        for step in cfg.steps():
            wanted = args.only.split("|") if args.only else []
            if wanted and not any(w in step.scenario for w in wanted) and step.target != "ceiling":
                continue
            if not args.no_settle:
                for each in ports.values():  # leftovers of the last phase, on any server
                    quiesce(each.proc.pid)
                if step.target in databases:
                    settle(databases[step.target])
            srv = ports[step.target]
            rec = cfg.run_step(step, srv.port, TreeMeter(srv.proc.pid))
            print(f"  {rec.scenario} c{rec.connections}: {rec.rps:,.0f} req/s, "
                  f"p99 {rec.p99_ms:.1f} ms, errors {rec.errors}",
                  file=sys.stderr, flush=True)  # fmt: skip
            cfg.records.append(rec)
        log = server.log.read_text(errors="replace")
        if "Traceback" in log:
            print(f"  server log has tracebacks:\n{log[-3000:]}", file=sys.stderr)
        return cfg.records


def run(args: argparse.Namespace, argv: str) -> Path:
    records: list[PhaseRecord] = []
    source = source_state()
    started = datetime.datetime.now(datetime.UTC)
    with contextlib.ExitStack() as stack:
        cluster = None
        if any(b == "postgresql" for b, _ in args.config_list):
            sys.path.insert(0, str(BENCH.parent))
            from tests.pgcluster import PgCluster

            print("starting a throwaway PostgreSQL cluster ...", file=sys.stderr, flush=True)
            cluster = PgCluster()
            stack.callback(cluster.stop)
            cluster.start()
        for backend, workers in args.config_list:
            records += run_config(args, backend, workers, cluster if backend != "sqlite" else None)
        pg_version = cluster_version(cluster)
    stem = args.out or RESULTS / f"{started.date().isoformat()}-suite"
    return render_all(
        stem, [asdict(r) for r in records], argv=argv, source=source, seconds=args.seconds,
        started=started.isoformat(timespec="seconds"), pg_version=pg_version,
    )  # fmt: skip


def cluster_version(cluster: object | None) -> str:
    if cluster is None:
        return "not used"
    import subprocess

    from tests.pgcluster import _bindir

    res = subprocess.run([str(_bindir() / "postgres"), "--version"], capture_output=True,
                         text=True, timeout=30, check=False)  # fmt: skip
    return res.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    return main_for("suite.py", argv, lambda given, shown: run(parse_args(given), shown))


if __name__ == "__main__":
    sys.exit(main())
