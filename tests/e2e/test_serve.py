"""``sessionary serve`` as an operator runs it: a real granian process on a free port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

from ..support import bootstrap_key

BIN = Path(sys.executable).parent / "sessionary"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(
    database_url: str, env: Mapping[str, str] | None = None, workers: int = 1
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = _free_port()
    env = {
        **(os.environ if env is None else env),
        "SESSIONARY_DATABASE_URL": database_url,
        "SESSIONARY_SWEEP_INTERVAL_S": "1",
    }
    proc = subprocess.Popen(
        [str(BIN), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            raise AssertionError("server did not come up")
        yield base, proc
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


def _bootstrap_key(output: str) -> str | None:
    return bootstrap_key(output)


def test_a_fresh_database_prints_one_operator_key_that_can_run_the_whole_flow(
    database_url: str,
) -> None:
    with serving(database_url) as (base, proc):
        ready = httpx.get(base + "/readyz").json()
        assert ready["status"] == "ok" and set(ready["checks"].values()) == {"ok"}
        op = {"Authorization": "Bearer " + _first_key(proc)}
        assert (
            httpx.post(base + "/v1/tenants", json={"name": "acme"}, headers=op).status_code == 201
        )
        issued = httpx.post(
            base + "/v1/tenants/acme/credentials", json={"scopes": ["admin"]}, headers=op
        ).json()
        key = {"X-API-Key": issued["secret"]}
        opened = httpx.post(
            base + "/v1/sessions", json={"subject": {"kind": "u", "id": "1"}}, headers=key
        )
        assert opened.status_code == 201
        sid = opened.json()["id"]
        closed = httpx.post(f"{base}/v1/sessions/{sid}/close", headers=key)
        assert closed.json()["status"] == "closed"
    with serving(database_url) as (_, proc):
        pass
    assert _bootstrap_key(proc.stdout.read() if proc.stdout else "") is None


def _first_key(proc: subprocess.Popen[str]) -> str:
    # The key is printed before granian starts, so it is already in the pipe.
    assert proc.stdout is not None
    seen = ""
    while (key := _bootstrap_key(seen)) is None:
        line = proc.stdout.readline()
        assert line, "no bootstrap key printed"
        seen += line
    return key
