"""Process and port hygiene of ``sessionary serve``: the port is its own, its workers die with
it, slow clients are cut off, connections per worker are bounded, and a wrong sealing key stops
it at start."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from pydantic import SecretStr

from sessionary.bootstrap import build
from sessionary.config import Settings
from sessionary.dialects.casino.partners import create_partner
from sessionary.domain.model import TenantPolicy
from tests.conftest import TEST_ACTOR
from tests.support import sqlite_database

from .hygiene import alive, answers, children, free_port, serving, start, stop_group, wait_for

KEY = "hygiene-sealing-key-0123456789abcdef0123"
TRICKLE = (
    b"POST /casino/v4/closesession HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    b"Content-Length: 1000\r\n\r\n{"
)


@pytest.fixture
def sqlite_url(sqlite_template_file: Path, tmp_path: Path) -> str:
    """Tests of the process, not of storage: one backend is enough."""
    return sqlite_database(sqlite_template_file, tmp_path)


def _exit_of(proc: subprocess.Popen[str], timeout_s: float = 60) -> tuple[int, str]:
    try:
        out, _ = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        stop_group(proc)
        raise AssertionError("the server kept running") from None
    return proc.returncode, out


def test_a_second_server_on_a_taken_port_exits_at_once_naming_the_port(
    sqlite_url: str, sqlite_template_file: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    with serving(sqlite_url) as (base, _):
        port = int(base.rsplit(":", 1)[1])
        code, out = _exit_of(start(sqlite_database(sqlite_template_file, other), port))
        assert code != 0
        assert f"127.0.0.1:{port} is already in use" in out.replace("\n", "")
        assert answers(base)


@pytest.mark.parametrize("workers", [1, 2])
def test_workers_stop_when_their_supervisor_alone_is_killed(sqlite_url: str, workers: int) -> None:
    with serving(sqlite_url, workers) as (base, proc):
        wait_for(lambda: len(children(proc.pid)) >= workers, what="the workers")
        pids = children(proc.pid)
        try:
            os.kill(proc.pid, signal.SIGKILL)  # the supervisor only, as the OOM killer does
            proc.wait(timeout=30)
            wait_for(lambda: not any(alive(p) for p in pids), 30, f"the workers {pids} to stop")
            assert not answers(base)
        finally:
            for pid in pids:
                if alive(pid):
                    os.kill(pid, signal.SIGKILL)


def test_a_connection_that_never_finishes_its_headers_is_closed(sqlite_url: str) -> None:
    with (
        serving(sqlite_url, SESSIONARY_HTTP_HEADER_TIMEOUT_S="1") as (base, _),
        socket.create_connection(_address(base), timeout=20) as sock,
    ):
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        assert sock.recv(1024) == b""  # closed; granian's default would wait 30 s


def test_a_trickled_body_is_answered_408_and_the_connection_closed(sqlite_url: str) -> None:
    with (
        serving(sqlite_url, SESSIONARY_HTTP_BODY_TIMEOUT_S="1") as (base, _),
        socket.create_connection(_address(base), timeout=20) as sock,
    ):
        sock.sendall(TRICKLE)
        answer = _trickle_until_answered(sock, deadline_s=30)
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]


def test_connections_beyond_the_bound_wait_until_one_frees(sqlite_url: str) -> None:
    env = {"SESSIONARY_HTTP_MAX_CONNECTIONS": "2", "SESSIONARY_HTTP_BODY_TIMEOUT_S": "600"}
    with serving(sqlite_url, 1, **env) as (base, _):
        held = [socket.create_connection(_address(base), timeout=20) for _ in range(2)]
        for sock in held:
            sock.sendall(TRICKLE)
        with socket.create_connection(_address(base), timeout=2) as third:
            third.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            with pytest.raises(TimeoutError):
                third.recv(1024)  # not served while two connections hold the worker
            for sock in held:
                sock.close()
            third.settimeout(30)
            assert third.recv(1024).startswith(b"HTTP/1.1 200 ")


def test_serve_refuses_to_start_when_the_sealed_secrets_need_another_key(
    database_url: str,
) -> None:
    asyncio.run(_partner_sealed_with(database_url, KEY))
    code, out = _exit_of(start(database_url, free_port(), SESSIONARY_SECRET_KEY="x" * 40))
    assert code != 0
    flat = out.replace("\n", "")
    assert "cannot be opened" in flat and "Set SESSIONARY_SECRET_KEY" in flat
    with serving(database_url, SESSIONARY_SECRET_KEY=KEY) as (base, _):
        assert answers(base)


async def _partner_sealed_with(database_url: str, key: str) -> None:
    settings = Settings(database_url=database_url, environment="test", secret_key=SecretStr(key))
    c = build(settings)
    try:
        await c.tenants.create("acme", TenantPolicy(), TEST_ACTOR)
        await create_partner(c, "acme", TEST_ACTOR, "S100", "TOK-0001", "testKey")
    finally:
        await c.close()


def _address(base: str) -> tuple[str, int]:
    host, port = base.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


def _trickle_until_answered(sock: socket.socket, deadline_s: float) -> bytes:
    """Send a byte every 0.2 s until the server answers (what it sent) or closes."""
    sock.settimeout(0.2)
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        try:
            return sock.recv(4096)
        except TimeoutError:
            sock.sendall(b" ")
    raise AssertionError("the server kept reading the trickle")
