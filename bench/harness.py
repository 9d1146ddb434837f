"""Fixtures of a benchmark run: a throwaway database, a tenant key, and a served process.

Everything here is registered on a ``contextlib.ExitStack`` by the caller, so a crash or a
Ctrl-C still stops the server, the PostgreSQL cluster, and removes the temporary directory.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

REPO = Path(__file__).resolve().parent.parent
SCOPES = ("sessions:write", "sessions:read", "events:write")
CLI_TIMEOUT_S = 120.0


def sessionary_bin() -> str:
    """The CLI of the interpreter running us (``.venv/bin/python`` -> ``.venv/bin/sessionary``)."""
    return str(Path(sys.executable).parent / "sessionary")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def temp_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="sessionary-bench-") as path:
        yield Path(path)


@contextlib.contextmanager
def sqlite_database(tmp: Path) -> Iterator[str]:
    yield f"sqlite:///{tmp / 'bench.db'}"


@contextlib.contextmanager
def postgres_database() -> Iterator[tuple[str, int]]:
    """A throwaway cluster from tests/pgcluster.py; yields (url, postmaster port)."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from tests.pgcluster import PgCluster  # the repo root must be importable first

    cluster = PgCluster()
    try:
        cluster.start()
        yield cluster.create_database("bench"), cluster.port
    finally:
        cluster.stop()


# The harness owns these; any other SESSIONARY_* variable of the caller (pool sizes, SQLite
# synchronous mode, ...) passes through to the server so tuning can be benchmarked.
OWNED = ("SESSIONARY_DATABASE_URL", "SESSIONARY_HOST", "SESSIONARY_PORT", "SESSIONARY_WORKERS")


def tuning_env() -> dict[str, str]:
    """The caller's SESSIONARY_* settings that reach the server (recorded in the report)."""
    return {k: v for k, v in os.environ.items() if k.startswith("SESSIONARY_") and k not in OWNED}


def server_env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SESSIONARY_", "PG"))}
    env["SESSIONARY_LOG_LEVEL"] = "WARNING"
    env.update(tuning_env())
    env["SESSIONARY_DATABASE_URL"] = database_url
    return env


def cli(env: dict[str, str], *args: str) -> str:
    res = subprocess.run(
        [sessionary_bin(), *args],
        env=env,
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_S,
        check=False,
    )
    if res.returncode != 0:
        raise RuntimeError(f"sessionary {' '.join(args)} failed: {res.stdout}{res.stderr}")
    return res.stdout


def provision_key(env: dict[str, str]) -> str:
    """Migrate, create the tenant ``bench`` and a key with the scenario's scopes; its secret."""
    cli(env, "db", "upgrade")
    cli(env, "tenants", "create", "bench", "--json")
    scope_args = [arg for scope in SCOPES for arg in ("--scope", scope)]
    out = cli(env, "keys", "create", "--tenant", "bench", *scope_args, "--json")
    secret: str = json.loads(out)["secret"]
    return secret


@dataclass
class Server:
    """``sessionary serve`` in its own process group, output captured in ``log``."""

    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, grace_s: float = 10.0) -> int | None:
        """SIGTERM the group (granian shuts its workers down), SIGKILL after ``grace_s``."""
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=grace_s)
        with contextlib.suppress(ProcessLookupError):  # strays left in the group
            os.killpg(self.proc.pid, signal.SIGKILL)
        return self.proc.returncode


@contextlib.contextmanager
def serve(env: dict[str, str], tmp: Path, workers: int) -> Iterator[Server]:
    port = free_port()
    log = tmp / "server.log"
    args = ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sessionary_bin(), *args],
            env=env,
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: one killpg stops granian and workers
        )
    server = Server(proc, port, log)
    try:
        wait_healthy(server)
        yield server
    finally:
        server.stop()


def wait_healthy(server: Server, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not server.alive():
            raise RuntimeError(f"server exited early:\n{server.log.read_text(errors='replace')}")
        if _healthz_ok(server.port):
            return
        time.sleep(0.1)
    raise RuntimeError(f"/healthz not ready after {timeout_s:.0f}s")


def _healthz_ok(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1.0)
    try:
        conn.request("GET", "/healthz")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


# -- CPU accounting from /proc ----------------------------------------------------------------

TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Sched:
    """CPU seconds run, and seconds spent runnable but waiting for a CPU (run-queue wait)."""

    cpu_s: float = 0.0
    wait_s: float = 0.0

    def __sub__(self, other: Sched) -> Sched:
        return Sched(self.cpu_s - other.cpu_s, self.wait_s - other.wait_s)


def _stat(pid: int | str) -> list[str] | None:
    """Fields of /proc/PID/stat after "pid (comm) ": state, ppid, ..., utime at 11."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rfind(")") + 2 :].split()


def _ppid(pid: str) -> int | None:
    fields = _stat(pid)
    return None if fields is None else int(fields[1])


def reaped_cpu_s(pid: int) -> float:
    """CPU of the children ``pid`` has already reaped (cutime + cstime), e.g. closed backends."""
    fields = _stat(pid)
    return 0.0 if fields is None else (int(fields[13]) + int(fields[14])) / TICKS


def tree_pids(root: int) -> set[int]:
    """``root`` and all its live descendants."""
    parent = {int(e): _ppid(e) for e in os.listdir("/proc") if e.isdigit()}
    members = {root}
    grew = True
    while grew:
        before = len(members)
        members |= {pid for pid, ppid in parent.items() if ppid in members}
        grew = len(members) != before
    return members


def proc_sched(pid: int) -> Sched:
    """Scheduler totals over every thread of one process (/proc/PID/task/*/schedstat)."""
    cpu_ns = wait_ns = 0
    with contextlib.suppress(OSError):
        for tid in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError, ValueError):
                run, wait, _ = Path(f"/proc/{pid}/task/{tid}/schedstat").read_text().split()
                cpu_ns, wait_ns = cpu_ns + int(run), wait_ns + int(wait)
    return Sched(cpu_ns / 1e9, wait_ns / 1e9)


def tree_sched(root: int) -> Sched:
    """Scheduler totals of ``root``'s live process tree, plus the CPU of exited descendants
    that the tree has reaped (PostgreSQL backends of closed connections); run-queue wait of
    exited processes is lost."""
    total = Sched()
    for pid in tree_pids(root):
        one = proc_sched(pid)
        total = Sched(total.cpu_s + one.cpu_s + reaped_cpu_s(pid), total.wait_s + one.wait_s)
    return total


def machine_busy_s() -> float:
    """CPU seconds the whole machine spent not idle (all processes, all users)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    idle = fields[3] + fields[4]
    return (sum(fields) - idle) / TICKS


def postmaster_pid(port: int) -> int | None:
    """The postgres server listening on ``port`` (its backends are its children)."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            argv = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"postgres") and str(port).encode() in argv:
            return int(entry)
    return None


def source_state(root: Path = REPO) -> str:
    """The commit under test and whether src/ has uncommitted changes (read-only git)."""

    def git(*args: str) -> str:
        res = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, timeout=30, check=False
        )
        return res.stdout.strip() if res.returncode == 0 else ""

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = [ln for ln in git("status", "--porcelain", "--", "src").splitlines() if ln]
    return f"commit {head}" + (f" + {len(dirty)} uncommitted change(s) in src/" if dirty else "")


def _raise_interrupt(signum: int, _frame: object) -> NoReturn:
    raise KeyboardInterrupt(f"signal {signum}")


def main_for(script: str, argv: list[str] | None, run: Callable[[list[str], str], Path]) -> int:
    """The shared entry point: SIGTERM unwinds like Ctrl-C so cleanup runs; print the report."""
    given = sys.argv[1:] if argv is None else argv
    shown = shlex.join([".venv/bin/python", f"bench/{script}", *given])
    handler: Callable[[int, object], NoReturn] = _raise_interrupt
    signal.signal(signal.SIGTERM, handler)
    try:
        out = run(given, shown)
    except KeyboardInterrupt:
        print("interrupted; cleaned up", file=sys.stderr)
        return 130
    print(out.read_text())
    print(f"report written to {out}", file=sys.stderr)
    return 0


def open_backend(
    stack: contextlib.ExitStack[bool | None], backend: str, tmp: Path
) -> tuple[str, int | None]:
    """A fresh database for one run: (url, PostgreSQL port or None); closed with the stack."""
    if backend == "postgresql":
        print("starting a throwaway PostgreSQL cluster ...", file=sys.stderr, flush=True)
        url, port = stack.enter_context(postgres_database())
        return url, port
    return stack.enter_context(sqlite_database(tmp)), None
