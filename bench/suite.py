"""The benchmark suite of issue #9: every scenario, against a ceiling and a naive peer.

    .venv/bin/python bench/suite.py [--seconds 8] [--configs sqlite:1,sqlite:2,postgresql:1,...]
    .venv/bin/python bench/suite.py --tree old=/path/a --tree new=/path/b --repeat 2 ...  # A/B

For each configuration (backend x workers) it loads a fresh database, serves it with
``sessionary serve``, serves a bare Starlette route (the ceiling) and the FastAPI + ORM peer
with the same workers, and drives all of them with wrk (bench/wrk/*.lua), phase after phase.
Writes bench/results/<date>-suite.{json,md,png}. With ``--tree`` (twice or more) every tree's
src/ gets its own database and server, each phase runs once per tree and ``--repeat`` times
(in the order ABBA...), and the report is the A/B table of bench/ab_report.py. See
bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import math
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from ab_report import render_ab
from harness import REPO, Server, main_for, serve, server_env, source_state, temp_dir
from procstat import TreeMeter, quiesce
from settle import settle
from suite_args import parse_args, selects
from suite_report import PEER_CLOSE, RESULTS, render_all
from suite_setup import (
    BENCH,
    PAGOS_CAP,
    Fixtures,
    granian,
    open_pagos_pool,
    prepare_peer,
    provision,
    serve_fixtures,
    start_casino_players,
)
from wrkrun import THREADS, WrkResult, run_wrk

# Passing numbers of one RUFUS phase: the batch sizes start 10M apart and a phase sends well
# under 1M per session; each repeat of a phase starts this much higher (int32 holds 70 repeats).
RUFUS_RUN_SPAN = 30_000_000


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
    tree: str = ""  # the --tree label of the server measured ("" without --tree)
    machine_cores: float = 0.0  # cores busy on the whole machine during the phase


@dataclass
class Step:
    target: str
    scenario: str
    script: str
    connections: int
    env: dict[str, str]
    items_unit: str = "requests"
    consume: str = ""  # "native", "hivemp", "rufus", "pagos", "peer": ids it closes, from a pool
    prepare: str = ""  # "casino": start fresh players, "pagos": open sessions (not measured)


class Config:
    """One backend x workers x source tree: its server, fixtures and the phases it runs."""

    def __init__(self, name: str, fx: Fixtures, seconds: float, tree: str = "") -> None:
        self.name, self.fx, self.seconds, self.tree = name, fx, seconds, tree
        self.pools = {"native": fx.close_pool, "hivemp": fx.hivemp_pool, "peer": [],
                      "rufus": fx.rufus_pool, "pagos": []}  # fmt: skip
        self.offsets = dict.fromkeys(self.pools, 0)
        self.records: list[PhaseRecord] = []
        self.prepared = 0  # unmeasured set-up runs before phases so far
        self.runs: dict[str, int] = {}  # phases run so far, by scenario and connections

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
        steps.append(Step("sessionary", "RUFUS close", "ids", 64, self.rufus_close(), "sessions",
                          "rufus"))  # fmt: skip
        steps.append(Step("sessionary", "Pagos open+close", "pagos", 16,
                          {"BENCH_TOKENS": str(fx.pagos_tokens), "BENCH_APP": fx.pagos_app},
                          "sessions"))  # fmt: skip
        steps.append(Step("sessionary", "Pagos close", "ids", 16, self.pagos_close(), "sessions",
                          "pagos", prepare="pagos"))  # fmt: skip
        for name, nogame in (("casino closesession", "0"),
                             ("casino closesession (no gameId)", "1")):  # fmt: skip
            steps.append(Step("sessionary", name, "casino", 64,
                              {**casino, "BENCH_OP": "close", "BENCH_NOGAME": nogame},
                              "sessions", prepare="casino"))  # fmt: skip
        steps.append(Step("sessionary", "mixed (50 get/20 append/10 extend/10 open/10 close)",
                          "mixed", 64, {**native, "BENCH_IDS": live}))  # fmt: skip
        for c in (64, 16):
            steps.append(Step("peer", PEER_CLOSE, "ids", c, peer_close,
                              "sessions", "peer"))  # fmt: skip
        steps += [Step("ceiling", "ceiling (bare Starlette JSON)", "hello", c,
                       {"BENCH_PATH": "/hello"}) for c in (64, 16)]  # fmt: skip
        return steps

    def rufus_close(self) -> dict[str, str]:
        """PATCH /sessions/close/{token} of bulk-loaded RUFUS sessions (suite_setup.provision).
        It answers 200 again for a closed session, so only the pool check sees repeats."""
        return {"BENCH_AUTH": self.fx.rufus_key, "BENCH_AUTH_HEADER": "x-api-key",
                "BENCH_METHOD": "PATCH", "BENCH_PATH": "/rufus/v0/sessions/close/{id}",
                "BENCH_PICK": "consume"}  # fmt: skip

    def pagos_close(self) -> dict[str, str]:
        """CloseDedicatedSession of sessions one client opened during set-up
        before each phase (suite_setup.open_pagos_pool), past the per-client cap the suite
        raises (PAGOS_CAP)."""
        body = f'{{"ApplicationKey":"{self.fx.pagos_app}","SessionId":"{{id}}"}}'
        return {"BENCH_AUTH": f"Bearer {self.fx.pagos_closer}", "BENCH_METHOD": "POST",
                "BENCH_PATH": "/pagos/Api/Applications/CloseDedicatedSession",
                "BENCH_BODY": body, "BENCH_OK": '"Success":true',
                "BENCH_PICK": "consume"}  # fmt: skip

    def pool_file(self, pool: str, tag: str) -> tuple[str, int]:
        """An ids file of the pool's unused ids, and how many it holds."""
        ids = self.pools[pool][self.offsets[pool] :]
        if not ids:
            raise RuntimeError(f"{self.name}: no unused {pool} ids left for {tag}")
        return str(self.fx.ids_file(tag, ids)), len(ids)

    def prepare(self, step: Step, server: Server) -> dict[str, str]:
        """Unmeasured set-up of one phase, run before the servers settle; its BENCH_* values."""
        self.prepared += 1
        tag = f"r{self.prepared}p"
        if step.prepare == "casino":  # a start costs about twice a close, and neighbours can
            # slow the start run more than the phase: start for 4x its length (3x ran short)
            counts = start_casino_players(self.fx, server.port, self.seconds * 4, tag)
            return {"BENCH_COUNTS": str(counts), "BENCH_PLAYERS": tag}
        if step.prepare == "pagos":  # an open costs about what a close does: 3x the phase
            fresh = open_pagos_pool(self.fx, server.port, self.seconds * 3, tag)
            self.pools["pagos"] = self.pools["pagos"][self.offsets["pagos"] :] + fresh
            self.offsets["pagos"] = 0
        return {}

    def run_step(
        self, step: Step, server: Server, meter: TreeMeter, extra: dict[str, str] | None = None
    ) -> PhaseRecord:
        env, left = {**step.env, **(extra or {})}, 0
        key = f"{step.scenario} c{step.connections}"
        self.runs[key] = self.runs.get(key, 0) + 1
        if "BENCH_FIRST" in env:  # a repeated RUFUS phase sends new num_passing, not duplicates
            shift = RUFUS_RUN_SPAN * (self.runs[key] - 1)
            env["BENCH_FIRST"] = str(int(env["BENCH_FIRST"]) + shift)
        if step.consume:
            tag = f"{step.consume}-{step.connections}"
            env["BENCH_IDS"], left = self.pool_file(step.consume, tag)
        if step.scenario == "mixed (50 get/20 append/10 extend/10 open/10 close)":
            env["BENCH_CLOSE_IDS"] = self.pool_file("native", "mixed-close")[0]
        meter.start()
        res = run_wrk(step.script, server.port, self.seconds, step.connections, env)
        usage = meter.stop()
        if step.consume or "BENCH_CLOSE_IDS" in env:  # thread t took ids t, t+T, t+2T, ...
            self.offsets[step.consume or "native"] += (res.max_used + 1) * THREADS
        if step.consume:
            res = with_repeats(res, left, min(THREADS, step.connections))
        rec = record(self.name, step, res, usage.cpu_s, usage.peak_rss_mb, self.tree)
        rec.machine_cores = usage.machine_cores
        return rec


def with_repeats(res: WrkResult, ids: int, threads: int) -> WrkResult:
    """Count the requests past a thread's share of the pool as errors ("exhausted"): they
    reused closed ids, which some dialects answer with success (RUFUS close is idempotent)."""
    over = max(0, res.max_used - math.ceil(ids / threads)) * threads
    if not over:
        return res
    note = f"pool exhausted: ~{over} requests reused closed ids ({ids} ids for {threads} threads)"
    errors = {**res.errors, "exhausted": over}
    return WrkResult(res.requests, res.seconds, errors, res.items, res.max_used, res.latency_us,
                     res.raw, [note, *res.samples])  # fmt: skip


def record(
    config: str, step: Step, res: WrkResult, cpu_s: float, rss: float, tree: str = ""
) -> PhaseRecord:
    lat = res.latency_us
    return PhaseRecord(
        config=config, target=step.target, scenario=step.scenario,
        connections=step.connections, items_unit=step.items_unit, rps=res.rps,
        items_per_s=res.items_per_s, p50_ms=lat["p50"] / 1000, p99_ms=lat["p99"] / 1000,
        p999_ms=lat["p99.9"] / 1000, errors=res.error_count, error_kinds=res.errors,
        requests=res.requests, seconds=res.seconds,
        cpu_us_per_req=cpu_s / res.requests * 1e6 if res.requests else 0.0, peak_rss_mb=rss,
        error_samples=res.samples[:3], tree=tree,
    )  # fmt: skip


@dataclass
class Served:
    """One tree's database, fixtures and server in one configuration."""

    cfg: Config
    server: Server
    url: str


def serve_tree(
    stack: contextlib.ExitStack[bool | None], args: argparse.Namespace, name: str,
    tree: tuple[str, Path | None], workers: int, cluster: object | None,
) -> Served:  # fmt: skip
    label, path = tree
    tmp = stack.enter_context(temp_dir())
    tag = f"{name.split()[0][:2]}{workers}{'_' + label if label else ''}"
    if cluster is None:
        url = f"sqlite:///{tmp / 'bench.db'}"
    else:
        url = cluster.create_database(f"bench_{tag}")  # type: ignore[attr-defined]
    env = server_env(url)
    env.setdefault(*PAGOS_CAP)
    if path is not None:  # this tree's package wins over the interpreter's editable install
        env["PYTHONPATH"] = str(path / "src")
    fx = provision(env, url, tmp, args.close_ids)
    server = stack.enter_context(serve(env, tmp, workers))
    serve_fixtures(fx, server.port)
    return Served(Config(name, fx, args.seconds, label), server, url)


def measure(served: Served, step: Step, others: list[Server], no_settle: bool) -> PhaseRecord:
    extra = served.cfg.prepare(step, served.server)
    if not no_settle:
        for each in others:  # leftovers of the last phase, on any server
            quiesce(each.proc.pid)
        if served.url:  # the ceiling has no database
            settle(served.url)
    rec = served.cfg.run_step(step, served.server, TreeMeter(served.server.proc.pid), extra)
    tree = f" [{rec.tree}]" if rec.tree else ""
    print(f"  {rec.scenario} c{rec.connections}{tree}: {rec.rps:,.0f} req/s, "
          f"{rec.cpu_us_per_req:,.0f} µs/req, p99 {rec.p99_ms:.1f} ms, errors {rec.errors}",
          file=sys.stderr, flush=True)  # fmt: skip
    return rec


def run_config(
    args: argparse.Namespace, backend: str, workers: int, cluster: object | None
) -> list[PhaseRecord]:
    name = f"{backend} {workers}w"
    print(f"== {name}", file=sys.stderr, flush=True)
    with contextlib.ExitStack() as stack:
        trees = [serve_tree(stack, args, name, t, workers, cluster) for t in args.trees]
        first, tmp = trees[0], trees[0].cfg.fx.tmp
        env = server_env(first.url)
        servers = [t.server for t in trees]
        ceiling = stack.enter_context(
            granian("ceiling_app:app", BENCH, workers, env, tmp / "ceiling.log")
        )
        servers.append(ceiling)
        plain = Config(name, first.cfg.fx, args.seconds)  # the ceiling's and the peer's phases
        peer = peer_url = None
        if any(selects(args.only, "peer", PEER_CLOSE, c) for c in (16, 64)):
            peer_url = url_beside(first.url, cluster, f"peer_{backend[:2]}{workers}")
            plain.pools["peer"] = prepare_peer(peer_url, args.peer_ids)
            peer_env = {**env, "PEER_DATABASE_URL": peer_url}
            peer = stack.enter_context(
                granian("fastapi_orm:app", BENCH / "peers", workers, peer_env, tmp / "peer.log")
            )
            servers.append(peer)
        records: list[PhaseRecord] = []
        per_tree = [t.cfg.steps() for t in trees]
        for i, step in enumerate(per_tree[0]):
            if not selects(args.only, step.target, step.scenario, step.connections):
                continue
            if step.target != "sessionary":  # the ceiling and the peer: once, no tree
                srv = ceiling if step.target == "ceiling" else peer
                assert srv is not None
                one = Served(plain, srv, peer_url if srv is peer and peer_url else "")
                records.append(measure(one, step, servers, args.no_settle))
                continue
            for r in range(args.repeat if len(trees) > 1 else 1):
                for k in range(len(trees)) if r % 2 == 0 else reversed(range(len(trees))):
                    records.append(measure(trees[k], per_tree[k][i], servers, args.no_settle))
        for t in trees:
            log = t.server.log.read_text(errors="replace")
            if "Traceback" in log:
                print(f"  server log [{t.cfg.tree}] has tracebacks:\n{log[-3000:]}",
                      file=sys.stderr)  # fmt: skip
        return records


def url_beside(url: str, cluster: object | None, name: str) -> str:
    """A second database next to ``url``: a file in the same directory, or one in the cluster."""
    if cluster is None:
        return f"sqlite:///{Path(url.removeprefix('sqlite:///')).with_name(name + '.db')}"
    return str(cluster.create_database(name))  # type: ignore[attr-defined]


def run(args: argparse.Namespace, argv: str) -> Path:
    records: list[PhaseRecord] = []
    sources = {label: source_state(path or REPO) for label, path in args.trees}
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
    rows = [asdict(r) for r in records]
    if len(args.trees) > 1:
        stem = args.out or RESULTS / f"{started.date().isoformat()}-ab"
        meta = {"argv": argv, "sources": sources, "seconds": args.seconds, "repeat": args.repeat,
                "started": started.isoformat(timespec="seconds"), "pg_version": pg_version,
                "trees": [label for label, _ in args.trees]}  # fmt: skip
        stem.parent.mkdir(parents=True, exist_ok=True)
        stem.with_suffix(".json").write_text(json.dumps({"meta": meta, "phases": rows}, indent=1))
        return render_ab(stem, rows, meta)
    stem = args.out or RESULTS / f"{started.date().isoformat()}-suite"
    return render_all(
        stem, rows, argv=argv, source=sources[""], seconds=args.seconds,
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
