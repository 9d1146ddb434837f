"""What ``Client`` and ``AsyncClient`` share: defaults, headers, and the stream's resume state."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

import httpx

from .. import __version__
from ._calls import Call
from ._errors import ApiError, ConnectionFailed
from ._models import StreamEvent
from ._retry import RETRYABLE_TRANSPORT, RetryPolicy
from ._sse import SSEDecoder, to_stream_event

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
DEFAULT_RETRY = RetryPolicy()
STREAM_READ_TIMEOUT_S = 30.0  # the server sends a keepalive every few seconds


def root_url(base_url: str) -> str:
    """The server root: ``http://host:8000``, ``http://host:8000/`` and ``.../v1`` all work."""
    url = base_url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"base_url must start with http:// or https://, got {base_url!r}")
    return url.removesuffix("/v1") + "/"


def default_headers(api_key: str, extra: Mapping[str, str] | None) -> dict[str, str]:
    if not api_key or api_key != api_key.strip():
        raise ValueError("api_key must be a non-empty secret without surrounding spaces")
    return {
        "Authorization": f"Bearer {api_key}",
        "Accept": "application/json",
        "User-Agent": f"sessionary-python/{__version__}",
        **(extra or {}),
    }


def request_headers(call: Call[object]) -> dict[str, str]:
    """One Idempotency-Key per call, reused by each of its attempts."""
    headers = {"Idempotency-Key": str(uuid.uuid4())} if call.mutates else {}
    if call.body is not None:
        headers["Content-Type"] = "application/json"
    return headers


def stream_timeout(read_timeout: float) -> httpx.Timeout:
    return httpx.Timeout(10.0, connect=5.0, read=read_timeout)


class StreamState:
    """Where a live stream is, so a new connection resumes right after the last event seen."""

    def __init__(self, policy: RetryPolicy, after: int | None) -> None:
        self._policy = policy
        self.last_id: str | None = None if after is None else str(after)
        self.failures = 0
        self._retry_ms: int | None = None
        self.decoder = SSEDecoder()

    def connected(self) -> SSEDecoder:
        self.decoder = SSEDecoder()
        self.decoder.last_id = self.last_id
        return self.decoder

    def feed(self, line: str) -> StreamEvent | None:
        """A line arrived: the connection works, so the failure count starts again."""
        self.failures = 0
        message = self.decoder.feed(line)
        if self.decoder.retry_ms is not None:
            self._retry_ms = self.decoder.retry_ms
        if message is None or not message.data.strip():
            return None  # e.g. a keepalive sent as a comment with an empty data line
        event = to_stream_event(message)
        self.last_id = message.id if message.id is not None else event.id
        return event

    def reconnect_delay(self, exc: Exception | None) -> float:
        """Seconds before reconnecting, or raise when the failures are over the policy.

        ``exc`` is why the connection ended: an ``ApiError`` answer, an httpx error, or None
        when the server closed the stream."""
        self.failures += 1
        if isinstance(exc, ApiError):
            delay = self._policy.after_error(self.failures, exc)
            if delay is None:
                raise exc
            return delay
        if isinstance(exc, httpx.TransportError) and not isinstance(exc, RETRYABLE_TRANSPORT):
            raise ConnectionFailed(f"the event stream failed: {exc}") from exc
        if self.failures >= self._policy.attempts:
            message = "the event stream could not be resumed"
            raise ConnectionFailed(message) from exc
        if self._retry_ms is not None:
            return self._retry_ms / 1000
        return self._policy.backoff(self.failures)
