"""A throwaway PgBouncer (Debian's package, scripts/ensure-pgbouncer) in front of a test cluster."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from .pgcluster import _free_port

BINARY = os.environ.get("SESSIONARY_PGBOUNCER", "/usr/sbin/pgbouncer")
_USER = "postgres"  # PgBouncer refuses to run as root; as pgcluster.py, the server's user

CONFIG = """\
[databases]
* = host=127.0.0.1 port={target}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {directory}/userlist.txt
pool_mode = {pool_mode}
default_pool_size = {pool_size}
max_client_conn = 200
logfile = {directory}/pgbouncer.log
admin_users = postgres
"""


class PgBouncer:
    """``pool_size`` server connections per database and user: fewer than the service's pool,
    so consecutive transactions of one client connection land on different servers."""

    def __init__(self, target_port: int, pool_mode: str = "transaction", pool_size: int = 2):
        self._target, self._mode, self._size = target_port, pool_mode, pool_size
        self._dir: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self.port = 0

    def version(self) -> str:
        out = subprocess.run([BINARY, "--version"], capture_output=True, text=True, check=True)
        return out.stdout.splitlines()[0]

    def start(self) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="pgbouncer-", dir="/tmp"))
        self.port = _free_port()
        text = CONFIG.format(
            target=self._target,
            port=self.port,
            directory=self._dir,
            pool_mode=self._mode,
            pool_size=self._size,
        )
        (self._dir / "pgbouncer.ini").write_text(text)
        (self._dir / "userlist.txt").write_text(f'"{_USER}" ""\n')
        command = [BINARY, "-q", str(self._dir / "pgbouncer.ini")]
        if os.geteuid() == 0:
            pw = pwd.getpwnam(_USER)
            for path in (self._dir, *self._dir.iterdir()):
                os.chown(path, pw.pw_uid, pw.pw_gid)
            command[1:1] = ["-u", _USER]
        self._process = subprocess.Popen(command, stdin=subprocess.DEVNULL)
        self._wait_for_port()

    def _wait_for_port(self) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                raise RuntimeError(f"pgbouncer exited ({self._process.returncode}): {self.log()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"pgbouncer did not listen on {self.port}: {self.log()}")

    def log(self) -> str:
        assert self._dir is not None
        path = self._dir / "pgbouncer.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else "<no log>"

    def url(self, database: str, query: str = "") -> str:
        return f"postgresql://{_USER}@127.0.0.1:{self.port}/{database}" + (
            f"?{query}" if query else ""
        )

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None
