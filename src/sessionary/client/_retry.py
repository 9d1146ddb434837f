"""When to try a request again, and how long to wait first.

Every request this client sends is safe to repeat: reads are GETs, and every mutation carries
an ``Idempotency-Key`` that stays the same across its attempts, so the server runs it once."""

from __future__ import annotations

import random
from dataclasses import dataclass

import httpx

from ._errors import ApiError, RateLimited, ServiceUnavailable

# Errors where the request may or may not have reached the server: repeating is what the
# idempotency key is for. A LocalProtocolError or UnsupportedProtocol would only fail again.
RETRYABLE_TRANSPORT = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded retries with exponential backoff and jitter.

    ``attempts`` counts the first try (1 = never retry). The n-th retry waits a random time
    between half and all of ``min(max_backoff_s, backoff_s * 2**(n-1))``; a 429 or 503 with
    ``Retry-After`` waits that long instead, unless it is over ``max_retry_after_s``, in which
    case the error is raised at once."""

    attempts: int = 4
    backoff_s: float = 0.2
    max_backoff_s: float = 5.0
    max_retry_after_s: float = 60.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("RetryPolicy.attempts counts the first try: it must be at least 1")
        if self.backoff_s < 0 or self.max_backoff_s < 0 or self.max_retry_after_s < 0:
            raise ValueError("RetryPolicy delays must not be negative")

    def backoff(self, attempt: int) -> float:
        """The jittered wait after failed attempt number ``attempt`` (1-based)."""
        cap = min(self.max_backoff_s, self.backoff_s * 2 ** (attempt - 1))
        return random.uniform(cap / 2, cap)

    def after_transport_error(self, attempt: int, exc: httpx.TransportError) -> float | None:
        """Seconds to wait before the next attempt, or None to give up."""
        if attempt >= self.attempts or not isinstance(exc, RETRYABLE_TRANSPORT):
            return None
        return self.backoff(attempt)

    def after_error(self, attempt: int, error: ApiError) -> float | None:
        """Seconds to wait before the next attempt, or None to raise ``error``."""
        if attempt >= self.attempts or not is_transient(error):
            return None
        if error.retry_after is None:
            return self.backoff(attempt)
        if error.retry_after > self.max_retry_after_s:
            return None
        return error.retry_after + random.uniform(0, self.backoff_s)


NO_RETRY = RetryPolicy(attempts=1)


def is_transient(error: ApiError) -> bool:
    """429, 503, and a 409 saying the same key's first attempt is still running."""
    if isinstance(error, RateLimited | ServiceUnavailable):
        return True
    return error.code == "idempotency-key-in-progress"
