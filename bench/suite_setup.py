"""Per-configuration set-up of the suite: credentials, bulk-loaded sessions, dialect fixtures,
and the two comparison servers (the Starlette ceiling and the FastAPI + ORM peer)."""

from __future__ import annotations

import contextlib
import http.client
import json
import random
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from harness import REPO, Server, cli, free_port, provision_key
from seed import Batch, load
from wrkrun import run_wrk

BENCH = Path(__file__).resolve().parent
LIVE_IDS = 5_000  # never closed: get, extend and append pick among them
RUFUS_DEVICES = 32
PAGOS_CLIENTS = 2  # one per wrk thread of "Pagos open+close"; one more owns the close pool
# "Pagos close" needs thousands of live sessions of one client, past the cap of 20 per client:
# the suite's servers get this cap unless the caller's environment sets one. The clients of
# "Pagos open+close" hold at most 8 live sessions each, so their opens stay under any cap.
PAGOS_CAP = ("SESSIONARY_PAGOS_MAX_SESSIONS_PER_CLIENT", "1000000")
# 64 hex digits like the tokens RUFUS issues: a prefix, then the number in 28 digits (seed.py's
# SQLite padding stops at 31)
RUFUS_TOKEN_PREFIX, RUFUS_TOKEN_DIGITS = "BE4C" + "0" * 32, 28


@dataclass
class Fixtures:
    """Everything the scenarios need, as files and secrets (ids files live in ``tmp``)."""

    tmp: Path
    native_key: str = ""
    rufus_key: str = ""
    hivemp_key: str = ""
    pagos_app: str = ""
    casino: dict[str, str] = field(default_factory=dict)
    live_ids: Path = Path()
    close_pool: list[str] = field(default_factory=list)
    hivemp_pool: list[str] = field(default_factory=list)
    rufus_tokens: Path = Path()
    pagos_tokens: Path = Path()
    pagos_clients: list[dict[str, str]] = field(default_factory=list)
    pagos_closer: str = ""  # bearer token of the client that owns the "Pagos close" pool
    rufus_pool: list[str] = field(default_factory=list)
    seed_s: float = 0.0

    def ids_file(self, name: str, ids: list[str]) -> Path:
        path = self.tmp / f"{name}.ids"
        path.write_text("\n".join(ids) + "\n")
        return path


def provision(env: dict[str, str], url: str, tmp: Path, close_ids: int) -> Fixtures:
    """Credentials of every dialect (CLI) and bulk-loaded open sessions (native, HiveMP)."""
    fx = Fixtures(tmp)
    fx.native_key = provision_key(env)  # also migrates and creates tenant "bench"
    out = cli(env, "rufus", "keys", "create", "--tenant", "bench", "--access", "READ_WRITE",
              "--json")  # fmt: skip
    fx.rufus_key = json.loads(out)["api_key"]
    fx.hivemp_key = json.loads(
        cli(env, "hivemp", "keys", "create", "--tenant", "bench", "--type", "admin", "--json")
    )["api_key"]
    fx.pagos_clients = [
        json.loads(cli(env, "pagos", "clients", "create", "--tenant", "bench", "--json"))
        for _ in range(PAGOS_CLIENTS + 1)
    ]
    grants = [a for c in fx.pagos_clients for a in ("--grant", c["client_id"])]
    out = cli(env, "pagos", "apps", "create", "--tenant", "bench", *grants, "--json")
    fx.pagos_app = json.loads(out)["application_key"]
    fx.casino = json.loads(cli(env, "casino", "partners", "create", "--tenant", "bench", "--json"))
    cli(env, "casino", "games", "add", "--tenant", "bench", "--game-id", "vs20", "--name", "Slot")
    fx.casino["game"] = "vs20"
    total = LIVE_IDS + close_ids
    native = Batch("bench", "native", "user", "u-", "ses_", 26, 1, total)
    hivemp = Batch("bench", "hivemp", "account", "u-", "us-", 16, 1, close_ids // 2, 500)
    # RUFUS sessions to close: one device each (a RUFUS open closes the device's active one)
    count = close_ids // 2
    rufus = Batch("bench", "rufus", "device", "BENCHDEV-", RUFUS_TOKEN_PREFIX, RUFUS_TOKEN_DIGITS,
                  1, count, count)  # fmt: skip
    fx.seed_s = load(url, native) + load(url, hivemp) + load(url, rufus)
    fx.rufus_pool = rufus.ids()
    random.Random(11).shuffle(fx.rufus_pool)
    ids = native.ids()
    random.Random(9).shuffle(ids)
    fx.live_ids = fx.ids_file("live", ids[:LIVE_IDS])
    fx.close_pool = ids[LIVE_IDS:]
    fx.hivemp_pool = hivemp.ids()
    random.Random(10).shuffle(fx.hivemp_pool)
    return fx


def _request(
    port: int, method: str, path: str, body: bytes, headers: dict[str, str]
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def _post_json(port: int, path: str, payload: object, headers: dict[str, str]) -> object:
    hdrs = {"Content-Type": "application/json", **headers}
    status, raw = _request(port, "POST", path, json.dumps(payload).encode(), hdrs)
    if status >= 300:
        raise RuntimeError(f"POST {path}: {status} {raw[:300]!r}")
    return json.loads(raw)


def serve_fixtures(fx: Fixtures, port: int) -> None:
    """Fixtures made through the running server: RUFUS devices + sessions, Pagos tokens."""
    key = {"x-api-key": fx.rufus_key}
    tokens = []
    for i in range(RUFUS_DEVICES):
        dev = _post_json(port, "/rufus/v0/devices",
                         {"model": "BENCH", "serial_number": f"BENCH-{i:04d}"}, key)  # fmt: skip
        assert isinstance(dev, dict)
        ses = _post_json(port, "/rufus/v0/sessions",
                         {"deviceid": dev["deviceid"], "alias": f"bench-{i}"}, key)  # fmt: skip
        assert isinstance(ses, dict)
        tokens.append(str(ses["token_session"]))
    fx.rufus_tokens = fx.ids_file("rufus", tokens)
    bearer = []
    for client in fx.pagos_clients:
        form = urllib.parse.urlencode({"grant_type": "client_credentials", **client}).encode()
        hdrs = {"Content-Type": "application/x-www-form-urlencoded"}
        status, raw = _request(port, "POST", "/pagos/token", form, hdrs)
        if status != 200:
            raise RuntimeError(f"pagos token: {status} {raw[:300]!r}")
        bearer.append(json.loads(raw)["access_token"])
    fx.pagos_tokens = fx.ids_file("pagos", bearer[:PAGOS_CLIENTS])
    fx.pagos_closer = bearer[PAGOS_CLIENTS]


def open_pagos_pool(fx: Fixtures, port: int, seconds: float, tag: str) -> list[str]:
    """Open Pagos sessions of the closing client for ``seconds`` (wrk, 16 connections, not
    measured): ids for "Pagos close", in random order."""
    out = fx.tmp / f"pagos-pool-{tag}"
    tokens = fx.ids_file("pagos-closer", [fx.pagos_closer])
    env = {"BENCH_TOKENS": str(tokens), "BENCH_APP": fx.pagos_app, "BENCH_OP": "open",
           "BENCH_IDS_OUT": str(out)}  # fmt: skip
    res = run_wrk("pagos", port, seconds, 16, env)
    if res.error_count:
        print(f"  Pagos close set-up: {res.error_count} errors: {res.samples}", file=sys.stderr)
    ids = [ln for f in sorted(fx.tmp.glob(f"{out.name}.*")) for ln in f.read_text().split() if ln]
    random.Random(12).shuffle(ids)
    return ids


def start_casino_players(fx: Fixtures, port: int, seconds: float, players: str) -> Path:
    """Start game sessions for players ``<players><thread>-<n>`` (wrk, 16 connections, not
    measured); the counts file a casino close phase reads."""
    counts = fx.tmp / f"casino-{players}.counts"
    prep = {"BENCH_LOGIN": fx.casino["secure_login"], "BENCH_TOKEN": fx.casino["token"],
            "BENCH_GAME": fx.casino["game"], "BENCH_OP": "start", "BENCH_PLAYERS": players,
            "BENCH_COUNTS_OUT": str(counts)}  # fmt: skip
    res = run_wrk("casino", port, seconds, 16, prep)
    if res.error_count:
        print(f"  casino set-up: {res.error_count} errors: {res.samples}", file=sys.stderr)
    return counts


def wait_http(server: Server, path: str, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not server.alive():
            raise RuntimeError(f"server exited early:\n{server.log.read_text(errors='replace')}")
        with contextlib.suppress(OSError):
            if _request(server.port, "GET", path, b"", {})[0] < 500:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{path} not answering after {timeout_s:.0f}s")


@contextlib.contextmanager
def granian(app: str, cwd: Path, workers: int, env: dict[str, str], log: Path) -> Iterator[Server]:
    """``granian --interface asgi --workers N app`` on a free loopback port, own process group."""
    port = free_port()
    args = [str(Path(sys.executable).parent / "granian"), "--interface", "asgi", "--host",
            "127.0.0.1", "--port", str(port), "--workers", str(workers), "--log-level",
            "warning", "--no-access-log", app]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(args, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    server = Server(proc, port, log)
    try:
        wait_http(server, "/hello" if app.startswith("ceiling") else "/docs")
        yield server
    finally:
        server.stop()


def prepare_peer(url: str, sessions: int) -> list[str]:
    """The peer's tables, key and ``sessions`` open sessions; their ids."""
    res = subprocess.run(
        [sys.executable, str(BENCH / "peers" / "fastapi_orm.py"), url, str(sessions)],
        cwd=REPO, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    if res.returncode != 0:
        raise RuntimeError(f"peer set-up failed: {res.stderr[-2000:]}")
    return res.stdout.split()
