"""A real HTTP receiver on 127.0.0.1 for webhook tests: records every POST, can fail the
first N of them, and checks each signature with the README's verification code."""

from __future__ import annotations

import json
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    event_id: str
    session_id: str
    type: str
    status: int
    body: bytes
    headers: dict[str, str]

    @property
    def payload(self) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(self.body)
        return result


@dataclass
class Receiver:
    fail_first: int = 0
    fail_status: int = 500
    redirect_to: str | None = None  # answer every POST with a 302 to this URL
    host: str = "127.0.0.1"
    tls: ssl.SSLContext | None = None
    posts: list[Received] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/hook"

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    def start(self, port: int = 0) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status = receiver._answer(body, dict(self.headers.items()))
                self.send_response(status)
                if receiver.redirect_to is not None:
                    self.send_header("Location", receiver.redirect_to)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer((self.host, port), Handler)
        if self.tls is not None:
            self._server.socket = self.tls.wrap_socket(self._server.socket, server_side=True)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _answer(self, body: bytes, headers: dict[str, str]) -> int:
        payload = json.loads(body)
        with self._lock:
            status = self.fail_status if len(self.posts) < self.fail_first else 200
            status = 302 if self.redirect_to is not None else status
            self.posts.append(
                Received(
                    payload["id"], payload["session_id"], payload["type"], status, body, headers
                )
            )
        return status

    def accepted(self) -> list[Received]:
        with self._lock:
            return [p for p in self.posts if p.status == 200]

    def deduplicated(self) -> dict[str, Received]:
        """What a receiver that dedupes by event id keeps: the first accepted copy of each."""
        kept: dict[str, Received] = {}
        for post in self.accepted():
            kept.setdefault(post.event_id, post)
        return kept
