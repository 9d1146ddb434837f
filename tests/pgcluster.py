"""Throwaway PostgreSQL cluster for the test suite, built from the machine's binaries."""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote

_PG_USER = "postgres"


def _bindir() -> Path:
    # Resolve symlinks (/usr/local/bin/initdb -> /usr/lib/postgresql/15/bin) so that psql comes
    # from the same install rather than Debian's pg_wrapper in /usr/bin.
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    for cand in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(cand, "initdb").exists():
            return Path(cand)
    raise RuntimeError("PostgreSQL binaries (initdb/pg_ctl) not found")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _remove_in_background(path: Path) -> None:
    """A data directory of thousands of files took over 300 s to delete on a loaded machine,
    inside a fixture's teardown: move it aside at once and let ``rm`` delete it meanwhile."""
    trash = path.with_name(path.name + "-removing")
    path.rename(trash)
    subprocess.Popen(
        ["rm", "-rf", str(trash)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class PgCluster:
    def __init__(
        self,
        settings: dict[str, str] | None = None,
        files: dict[str, bytes] | None = None,
        hba: str | None = None,
    ) -> None:
        """``settings``: more server settings (``-c name=value``), e.g. the benchmarks' cache.
        ``files``: written into the data directory, readable by the server alone (a TLS key
        and certificates that ``settings`` name, e.g. ``ssl_cert_file``). ``hba``: the whole
        pg_hba.conf instead of initdb's (e.g. ``hostssl`` lines only)."""
        self._settings = dict(settings or {})
        self._files = dict(files or {})
        self._hba = hba
        self._bin = _bindir()
        self._root = os.geteuid() == 0
        self._dir: Path | None = None
        self._port = 0
        self._running = False
        # Stray PG* variables (PGHOST, PGPORT, ...) from the caller must not redirect our tools.
        self._env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}

    @property
    def port(self) -> int:
        if not self._running:
            raise RuntimeError("cluster not started")
        return self._port

    def _run(self, tool: str, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = [str(self._bin / tool), *args]
        if self._root:  # initdb/pg_ctl refuse to run as root
            cmd = ["runuser", "-u", _PG_USER, "--", *cmd]
        return subprocess.run(
            cmd,
            cwd=self._dir,
            env=self._env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def _check(self, tool: str, *args: str) -> None:
        res = self._run(tool, *args)
        if res.returncode != 0:
            raise RuntimeError(f"{tool} failed ({res.returncode}): {res.stdout}{res.stderr}")

    def _log_tail(self, lines: int = 30) -> str:
        assert self._dir is not None
        try:
            text = (self._dir / "data" / "server.log").read_text(errors="replace")
        except OSError:
            return "<no server log>"
        return "\n".join(text.splitlines()[-lines:])

    def start(self) -> None:
        if self._dir is not None:
            return
        if self._root:
            try:
                pwd.getpwnam(_PG_USER)
            except KeyError:
                subprocess.run(["useradd", "--system", "--no-create-home", _PG_USER], check=True)
        # Under /tmp so every parent directory is traversable by the postgres user.
        self._dir = Path(tempfile.mkdtemp(prefix="pgcluster-", dir="/tmp"))
        atexit.register(self.stop)  # a crashed run must not leave postgres or the dir behind
        try:
            data, sock = self._dir / "data", self._dir / "sock"
            sock.mkdir()
            if self._root:  # mkdtemp is 0700 root-owned; hand it over to the server's user
                pw = pwd.getpwnam(_PG_USER)
                for path in (self._dir, sock):
                    os.chown(path, pw.pw_uid, pw.pw_gid)
            initdb_opts = f"-A trust -U {_PG_USER} --no-sync -E UTF8 --locale=C".split()
            self._check("initdb", "-D", str(data), *initdb_opts)
            self._write_files(data)
            # The probed port can be taken by someone else before postgres binds it: retry.
            for attempt in range(3):
                self._port = _free_port()
                opts = (
                    f"-h 127.0.0.1 -p {self._port} -k {sock} -F -c fsync=off"
                    " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
                    + "".join(f" -c {k}={v}" for k, v in self._settings.items())
                )
                log = str(data / "server.log")
                res = self._run(
                    "pg_ctl", "start", "-w", "-t", "60", "-D", str(data), "-l", log, "-o", opts
                )
                if res.returncode == 0:
                    break
                if attempt == 2 or "already in use" not in self._log_tail():
                    raise RuntimeError(
                        f"postgres failed to start: {res.stdout}{res.stderr}\n"
                        f"--- server.log tail ---\n{self._log_tail()}"
                    )
            self._running = True
        except BaseException:
            self.stop()
            raise

    def _write_files(self, data: Path) -> None:
        files = dict(self._files)
        if self._hba is not None:
            files["pg_hba.conf"] = self._hba.encode()
        for name, content in files.items():
            path = data / name
            path.write_bytes(content)
            path.chmod(0o600)  # the server refuses a key file others can read
            if self._root:
                pw = pwd.getpwnam(_PG_USER)
                os.chown(path, pw.pw_uid, pw.pw_gid)

    def stop(self) -> None:
        if self._dir is None:
            return
        data = self._dir / "data"
        # Checking the pid file (not _running) also catches a server left by a failed start.
        if (data / "postmaster.pid").exists():
            self._run("pg_ctl", "stop", "-m", "immediate", "-w", "-D", str(data))
        self._running = False
        atexit.unregister(self.stop)
        _remove_in_background(self._dir)
        self._dir = None

    def _psql(self, sql: str) -> None:
        # -X: ignore ~/.psqlrc; ON_ERROR_STOP: turn SQL errors into a non-zero exit status.
        conn = f"-h 127.0.0.1 -p {self.port} -U {_PG_USER} -d postgres".split()
        self._check("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", *conn, "-c", sql)

    def create_database(self, name: str) -> str:
        self._psql(f"CREATE DATABASE {_ident(name)}")
        return f"postgresql://{_PG_USER}@127.0.0.1:{self.port}/{quote(name, safe='')}"

    def drop_database(self, name: str) -> None:
        # WITH (FORCE) kicks out leftover connections (e.g. a leaked pool) instead of failing.
        self._psql(f"DROP DATABASE IF EXISTS {_ident(name)} WITH (FORCE)")

    def next_epoch(self, epoch: int) -> None:
        """Stop, move the transaction counter into ``epoch`` (pg_resetwal -e, as the README's
        restore into another cluster does) and start again with the same options."""
        assert self._dir is not None
        data = str(self._dir / "data")
        self._check("pg_ctl", "stop", "-w", "-D", data)
        self._check("pg_resetwal", "-e", str(epoch), data)
        # restart takes the options of the last start from postmaster.opts
        self._check("pg_ctl", "restart", "-w", "-t", "60", "-D", data, "-l", f"{data}/server.log")
