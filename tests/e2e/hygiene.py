"""A ``sessionary serve`` process group for the process-and-port hygiene tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent / "sessionary"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(database_url: str, port: int, workers: int = 1, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(BIN), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
        env={
            **os.environ,
            "SESSIONARY_DATABASE_URL": database_url,
            "SESSIONARY_LOG_LEVEL": "WARNING",
            "SESSIONARY_SWEEP_INTERVAL_S": "0",
            "SESSIONARY_WEBHOOK_INTERVAL_S": "0",
            **env,
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def wait_for(condition: Callable[[], bool], timeout_s: float = 60, what: str = "") -> None:
    """Poll: generous bounds, so a busy machine is slow, not wrong."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what or condition}")


def answers(base: str) -> bool:
    try:
        return httpx.get(base + "/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def stop_group(proc: subprocess.Popen[str]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


@contextmanager
def serving(
    database_url: str, workers: int = 1, **env: str
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = free_port()
    proc = start(database_url, port, workers, **env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: answers(base) or proc.poll() is not None, what="the server")
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        yield base, proc
    finally:
        stop_group(proc)


def children(pid: int) -> list[int]:
    """Live (not zombie) processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            state, ppid = stat
            if ppid == pid and state != "Z":
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[0] != "Z"


def _stat(pid: int) -> tuple[str, int] | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return fields[0], int(fields[1])
