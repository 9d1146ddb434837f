"""The image's install steps, run outside a container (no image can be built on these machines:
README "Deploying"): deploy/install.sh builds the wheel, puts it in a clean venv with the
runtime lock alone, and that venv migrates, serves, answers its probes and stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
INSTALL = REPO / "deploy" / "install.sh"
DEV_ONLY = ["pytest", "ruff", "mypy", "playwright", "hypothesis", "schemathesis", "uvicorn"]


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once for the module (~30-60 s: a wheel and ~45 locked packages)."""
    work = tmp_path_factory.mktemp("install")
    env = {**os.environ, "PYTHON": sys.executable, "NO_COMPILE": "1"}
    env.pop("PYTHONPATH", None)  # the venv must run from its own site-packages only
    subprocess.run([str(INSTALL), "wheel", str(REPO), str(work / "dist")], env=env, check=True)
    (wheel,) = (work / "dist").glob("sessionary-*.whl")
    lock = REPO / "requirements" / "runtime.txt"
    subprocess.run([str(INSTALL), "venv", str(work / "venv"), str(lock), str(wheel)], env=env,
                   check=True)
    return work / "venv"


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SESSIONARY_", "PYTHON"))}
    return {**env, **extra}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_installed_venv_has_no_development_package(venv: Path) -> None:
    probe = "import importlib.util as u, sys; print([m for m in sys.argv[1:] if u.find_spec(m)])"
    found = subprocess.run(
        [str(venv / "bin" / "python"), "-c", probe, *DEV_ONLY],
        env=_clean_env(), capture_output=True, text=True, check=True,
    )
    assert found.stdout.strip() == "[]"


def _wait_ready(base: str, proc: subprocess.Popen[str]) -> httpx.Response:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            return httpx.get(base + "/readyz", timeout=1)
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"the installed server did not come up (exit {proc.poll()})")


@contextmanager
def _serving(venv: Path, env: dict[str, str], port: int, cwd: Path
             ) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(
        [str(venv / "bin" / "sessionary"), "serve", "--port", str(port)],
        env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_the_installed_venv_migrates_serves_and_stops_on_sigterm(
    venv: Path, tmp_path: Path
) -> None:
    db_url = f"sqlite:///{tmp_path / 'sessionary.db'}"
    env = _clean_env(SESSIONARY_DATABASE_URL=db_url)
    bin_ = str(venv / "bin" / "sessionary")
    subprocess.run([bin_, "db", "upgrade"], env=env, cwd=tmp_path, check=True,
                   capture_output=True)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with _serving(venv, env, port, tmp_path) as proc:
        ready = _wait_ready(base, proc)
        assert ready.status_code == 200, ready.text
        assert httpx.get(base + "/healthz", timeout=5).status_code == 200
        proc.send_signal(signal.SIGTERM)  # what docker stop and systemctl stop send
        assert proc.wait(timeout=40) == 0
