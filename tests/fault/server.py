"""Real ``sessionary serve`` processes for the fault suites: start, SIGKILL, restart, stop; the
world of credentials they serve (one tenant per dialect set-up); direct reads of the database."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from pydantic import SecretStr

from sessionary.bootstrap import build
from sessionary.config import Settings
from sessionary.dialects.casino.partners import add_game, create_partner
from sessionary.dialects.hivemp.accounts import create_account
from sessionary.dialects.hivemp.keys import create_key as hivemp_key
from sessionary.dialects.pagos.clients import create_application, create_client
from sessionary.dialects.rufus.keys import create_key as rufus_key
from sessionary.domain.model import TenantPolicy
from sessionary.domain.scopes import TENANT_SCOPES
from sessionary.services.credentials import NewCredential
from tests.conftest import PG_TEMPLATE, TEST_ACTOR
from tests.pgcluster import PgCluster
from tests.support import postgres_database, sqlite_database

BIN = Path(sys.executable).parent / "sessionary"
SECRET_KEY = "fault-suite-sealing-key-0123456789abcdef"
GAME = "lm_1_pumpkinfarm"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """One ``sessionary serve`` process group on 127.0.0.1; ``kill`` is a SIGKILL to the group."""

    def __init__(self, database_url: str, **env: str) -> None:
        self.database_url = database_url
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "SESSIONARY_DATABASE_URL": database_url,
            "SESSIONARY_SWEEP_INTERVAL_S": "1",
            "SESSIONARY_SECRET_KEY": SECRET_KEY,
            "SESSIONARY_LOG_LEVEL": "WARNING",
            **env,
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = Path(tempfile.mkstemp(prefix="sessionary-fault-", suffix=".log")[1])
        self.starts = 0
        self.kills = 0

    def start(self, timeout_s: float = 30) -> None:
        with self.log.open("ab") as stderr:
            self.proc = subprocess.Popen(
                [str(BIN), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,
            )
        self.starts += 1
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited with {self.proc.returncode}")
            try:
                if httpx.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError("server did not come up")

    def kill(self) -> None:
        """SIGKILL to every process of the server: no shutdown hook runs."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=20)
        self.kills += 1

    def stop(self) -> None:
        self._terminate()
        self.log.unlink(missing_ok=True)

    def _terminate(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=20)

    def log_tail(self, lines: int = 60) -> str:
        """The end of what the server wrote to stderr (warnings and errors), for a failure."""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def alive(self) -> bool:
        try:
            return httpx.get(self.base + "/healthz", timeout=5).status_code == 200
        except httpx.TransportError:
            return False

    def rss_kib(self) -> int:
        """Resident memory of the whole process group (server and granian workers)."""
        assert self.proc is not None
        total = 0
        for pid in _group_pids(self.proc.pid):
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        return total


def _group_pids(pgid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) == pgid:
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


@dataclass
class TenantWorld:
    """Every credential a load driver needs in one tenant, secrets in clear."""

    name: str
    native: str
    rufus: str
    hivemp: str
    pagos_client: str
    pagos_secret: str
    pagos_app: str
    casino_login: str
    casino_token: str
    casino_secret: str
    accounts: list[tuple[str, str]] = field(default_factory=list)

    def secrets(self) -> list[str]:
        return [self.native, self.rufus, self.hivemp, self.pagos_secret, self.casino_secret]


def provision(database_url: str, name: str, accounts: int = 2) -> TenantWorld:
    """A tenant with a native admin key and each dialect's credentials, made in-process."""
    return asyncio.run(_provision(database_url, name, accounts))


async def _provision(database_url: str, name: str, accounts: int) -> TenantWorld:
    settings = Settings(
        database_url=database_url,
        sweep_interval_s=0,
        environment="test",
        secret_key=SecretStr(SECRET_KEY),
    )
    c = build(settings)
    try:
        tenant = await c.tenants.create(name, TenantPolicy(), TEST_ACTOR)
        native = await c.credentials.issue(
            NewCredential(tenant_pk=tenant.pk, scopes=tuple(sorted(TENANT_SCOPES))), TEST_ACTOR
        )
        client_id, client_secret = await create_client(c, name, TEST_ACTOR)
        app = await create_application(c, name, [client_id], False, TEST_ACTOR)
        login, token, secret = f"L-{name}", f"T-{name}", f"S-{name}-signing"
        await create_partner(c, name, TEST_ACTOR, login, token, secret)
        await add_game(c, name, GAME, "Pumpkin Farm", TEST_ACTOR)
        world = TenantWorld(
            name=name,
            native=native.secret,
            rufus=(await rufus_key(c, name, "READ_WRITE", True, "fault", TEST_ACTOR)).api_key,
            hivemp=await hivemp_key(c, name, "public", TEST_ACTOR),
            pagos_client=client_id,
            pagos_secret=client_secret,
            pagos_app=app,
            casino_login=login,
            casino_token=token,
            casino_secret=secret,
        )
        for n in range(accounts):
            email, password = f"p{n}@{name}.example", f"pw-{name}-{n}"
            await create_account(c, tenant.pk, email, password, False, TEST_ACTOR)
            world.accounts.append((email, password))
        return world
    finally:
        await c.close()


def query(database_url: str, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    """Rows straight from the database, bypassing the service (``?`` placeholders)."""
    if database_url.startswith("sqlite"):
        import sqlite3

        path = database_url.removeprefix("sqlite:///")
        with sqlite3.connect(path) as conn:
            return [tuple(row) for row in conn.execute(sql, args)]

    async def run() -> list[tuple[Any, ...]]:
        pg_sql, n = sql, 0
        while "?" in pg_sql:
            n += 1
            pg_sql = pg_sql.replace("?", f"${n}", 1)
        conn = await asyncpg.connect(database_url)
        try:
            return [tuple(row) for row in await conn.fetch(pg_sql, *args)]
        finally:
            await conn.close()

    return asyncio.run(run())


class PausableCluster(PgCluster):
    """A PostgreSQL cluster of its own that a test can stop and start again on the same port."""

    def pause(self) -> None:
        assert self._dir is not None
        self._check("pg_ctl", "stop", "-m", "fast", "-w", "-D", str(self._dir / "data"))

    def resume(self) -> None:
        assert self._dir is not None
        data = self._dir / "data"
        opts = (
            f"-h 127.0.0.1 -p {self._port} -k {self._dir / 'sock'} -F -c fsync=off"
            " -c synchronous_commit=off -c max_connections=200"
        )
        log = str(data / "server.log")
        self._check("pg_ctl", "start", "-w", "-t", "60", "-D", str(data), "-l", log, "-o", opts)

    def _pids(self) -> list[int]:
        assert self._dir is not None
        master = int((self._dir / "data" / "postmaster.pid").read_text().split()[0])
        children = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                    children.append(int(entry.name))
        return [master, *children]

    def freeze(self) -> None:
        """SIGSTOP every server process: connections stay open but nothing answers."""
        for pid in self._pids():
            os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        for pid in self._pids():
            os.kill(pid, signal.SIGCONT)


BACKENDS = ["sqlite", "postgresql"]


def fresh_database(request: Any, directory: Path) -> str:
    """A migrated database of its own on the backend ``request.param`` names (a fixture
    parametrized over BACKENDS), like the suite's ``database_url`` but for a module's server."""
    if request.param == "sqlite":
        return sqlite_database(request.getfixturevalue("sqlite_template_file"), directory)
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    return postgres_database(cluster.port, PG_TEMPLATE)
