"""A real ``sessionary serve`` on 127.0.0.1 and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from sessionary.storage.migrate import upgrade

from ..support import bootstrap_key

BIN = Path(sys.executable).parent / "sessionary"
REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "test-results"
CHROMIUM = os.environ.get("SESSIONARY_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass(frozen=True)
class Server:
    base: str
    operator_key: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _bootstrap_key(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    seen = ""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        assert line, f"the server printed no bootstrap key:\n{seen}"
        seen += line
        if (key := bootstrap_key(line)) is not None:
            return key
    raise AssertionError(f"no bootstrap key within 30 s:\n{seen}")


def _wait_healthy(base: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError("server did not come up")


@contextmanager
def serving(directory: Path) -> Iterator[Server]:
    url = f"sqlite:///{directory / 'console.db'}"
    upgrade(url)
    port = _free_port()
    env = {
        **os.environ,
        "SESSIONARY_DATABASE_URL": url,
        "SESSIONARY_SWEEP_INTERVAL_S": "1",
        "SESSIONARY_CONSOLE_SECURE_COOKIE": "false",  # plain http on 127.0.0.1
    }
    proc = subprocess.Popen(
        [str(BIN), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        key = _bootstrap_key(proc)
        base = f"http://127.0.0.1:{port}"
        _wait_healthy(base)
        yield Server(base, key)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
        if proc.stdout is not None:
            proc.stdout.close()


def shots_dir(test_name: str) -> Path:
    """test-results/<test name>/ under the repository root, emptied for this run."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name)
    path = RESULTS / safe
    path.mkdir(parents=True, exist_ok=True)
    for old in path.glob("*.png"):
        old.unlink()
    return path
