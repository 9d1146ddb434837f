"""``sessionary serve`` stopped by SIGTERM, as an orchestrator stops it: it drains (``/readyz``
503 while it still serves), finishes what is in flight, ends event streams cleanly, hands
its webhook batch back, and exits 0 in time."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from .drain_support import row_count, writes_blocked
from .hygiene import answers, serving, wait_for
from .writes import tenant_key

DRAIN_S = 1.5
MARGIN_S = 15  # a loaded two-core machine: slow, not wrong
SLOW = {
    "SESSIONARY_DRAIN_S": str(DRAIN_S),
    "SESSIONARY_READY_WRITE_CHECK_S": "0",  # the write probe would wait on the test's lock too
    "SESSIONARY_DB_TIMEOUT_S": "60",
    "SESSIONARY_SQLITE_BUSY_TIMEOUT_MS": "60000",
}


def _terminate(proc: subprocess.Popen[str]) -> float:
    """SIGTERM to the server process alone, as Docker and systemd (KillMode=mixed) send it."""
    os.kill(proc.pid, signal.SIGTERM)
    return time.monotonic()


def _exits_zero_in_time(proc: subprocess.Popen[str], since: float) -> None:
    assert proc.wait(timeout=DRAIN_S + MARGIN_S) == 0, proc.stdout.read() if proc.stdout else ""
    assert time.monotonic() - since < DRAIN_S + MARGIN_S


def _refused(base: str) -> bool:
    try:
        httpx.get(base + "/healthz", timeout=1)
    except httpx.TransportError:
        return True
    return False


def test_a_request_in_flight_at_sigterm_completes_with_its_row_while_readyz_answers_503(
    database_url: str,
) -> None:
    headers = tenant_key(database_url)
    answer: list[httpx.Response] = []
    with serving(database_url, 1, **SLOW) as (base, proc):
        client = httpx.Client(base_url=base, headers=headers, timeout=60)
        body = {"subject": {"kind": "player", "id": "p1"}}
        post = lambda: answer.append(client.post("/v1/sessions", json=body))  # noqa: E731
        slow = threading.Thread(target=post)
        with writes_blocked(database_url):
            slow.start()
            time.sleep(0.5)  # the request reaches the worker and waits for the lock
            since = _terminate(proc)
            ready = httpx.get(base + "/readyz", timeout=5)
            assert ready.status_code == 503 and "draining" in ready.json()["reason"]
            assert answers(base)  # still serving during the drain
            wait_for(lambda: _refused(base), DRAIN_S + MARGIN_S, "new connections refused")
            assert slow.is_alive() and not answer  # still in flight after the drain
        slow.join(timeout=MARGIN_S)
        _exits_zero_in_time(proc, since)
        client.close()
    assert answer[0].status_code == 201, answer[0].text
    assert row_count(database_url, "sessions", answer[0].json()["id"]) == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_event_stream_ends_cleanly_at_the_stop_and_the_server_exits_zero(
    database_url: str,
) -> None:
    headers = tenant_key(database_url)
    with serving(database_url, SESSIONARY_DRAIN_S=str(DRAIN_S)) as (base, proc):
        with httpx.stream("GET", base + "/v1/events", headers=headers, timeout=30) as stream:
            lines = stream.iter_lines()
            assert next(lines) == "retry: 1000"
            since = _terminate(proc)
            rest = list(lines)  # a cut connection would raise here instead
        ended_after = time.monotonic() - since
        assert "retry: 1000" not in rest and DRAIN_S <= ended_after < DRAIN_S + MARGIN_S
        _exits_zero_in_time(proc, since)


class StuckFirstReceiver:
    """Holds the first POST open (the node being stopped is mid-post); answers others 200."""

    def __init__(self) -> None:
        self.posts = 0
        self.delivered = threading.Event()
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.posts += 1
                if receiver.posts == 1:
                    receiver.release.wait(60)
                else:
                    receiver.delivered.set()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def stuck_first_receiver() -> Iterator[StuckFirstReceiver]:
    receiver = StuckFirstReceiver()
    try:
        yield receiver
    finally:
        receiver.stop()


def test_a_webhook_batch_claimed_at_sigterm_is_delivered_by_another_node_before_its_lease_ends(
    database_url: str,
) -> None:
    headers = tenant_key(database_url)
    hooks = {
        "SESSIONARY_WEBHOOK_INTERVAL_S": "0.2",
        "SESSIONARY_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",
        "SESSIONARY_WEBHOOK_TIMEOUT_S": "120",  # a lease of 150 s: waiting for it would show
        "SESSIONARY_DRAIN_S": str(DRAIN_S),
    }
    with stuck_first_receiver() as receiver, serving(database_url, 1, **hooks) as (a, proc_a):
        made = httpx.post(a + "/v1/webhooks", json={"url": receiver.url}, headers=headers)
        assert made.status_code == 201, made.text
        body = {"subject": {"kind": "player", "id": "p1"}}
        assert httpx.post(a + "/v1/sessions", json=body, headers=headers).status_code == 201
        wait_for(lambda: receiver.posts == 1, MARGIN_S, "node A's post")
        with serving(database_url, 1, **hooks) as (_b, _proc_b):
            since = _terminate(proc_a)
            assert receiver.delivered.wait(DRAIN_S + MARGIN_S), "node B never delivered"
            assert time.monotonic() - since < DRAIN_S + MARGIN_S
            _exits_zero_in_time(proc_a, since)
