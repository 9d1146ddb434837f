"""Real ``sessionary serve`` processes on 127.0.0.1 for the webhook and stream tests."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent / "sessionary"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(database_url: str, **env: str) -> Iterator[str]:
    """Start a server, wait for /healthz, yield its base URL, stop it with SIGTERM."""
    port = free_port()
    environ = {
        **os.environ,
        "SESSIONARY_DATABASE_URL": database_url,
        "SESSIONARY_SWEEP_INTERVAL_S": "0",
        "SESSIONARY_WEBHOOK_INTERVAL_S": "0",
        **{f"SESSIONARY_{k.upper()}": v for k, v in env.items()},
    }
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
    proc = subprocess.Popen(
        [str(BIN), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=environ,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                log.seek(0)
                raise AssertionError("server did not come up:\n" + log.read().decode()[-3000:])
            time.sleep(0.1)
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
        log.close()
