"""A real ``sessionary serve`` process on 127.0.0.1 for the client tests."""

from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from ..support import bootstrap_key

BIN = Path(sys.executable).parent / "sessionary"
_tenants = itertools.count(1)


@dataclass(frozen=True)
class Server:
    url: str
    operator_key: str
    database_url: str
    log: Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _operator_key(log: Path) -> str | None:
    return bootstrap_key(log.read_text())


def _wait_until_up(base: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("server did not come up")


@contextmanager
def serving(
    database_url: str, log: Path, env: Mapping[str, str] | None = None, operator_key: str = ""
) -> Iterator[Server]:
    """Serve ``database_url``; the first server on a database prints the operator key."""
    port = free_port()
    full_env = {
        **os.environ,
        "SESSIONARY_DATABASE_URL": database_url,
        "SESSIONARY_SWEEP_INTERVAL_S": "0",
        "SESSIONARY_LOG_LEVEL": "WARNING",
        "SESSIONARY_STREAM_POLL_S": "0.05",
        "SESSIONARY_STREAM_KEEPALIVE_S": "1",
        **(env or {}),
    }
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(BIN), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=full_env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, proc, log)
        key = operator_key or _operator_key(log)
        assert key, "no operator key printed"
        yield Server(base, key, database_url, log)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


def new_tenant_name() -> str:
    return f"tenant-{os.getpid()}-{next(_tenants)}"
