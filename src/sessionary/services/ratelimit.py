"""Per-credential token buckets, in process memory (so a limit applies per API node)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MAX_PER_S = 1_000_000.0
MAX_BURST = 1_000_000


@dataclass(slots=True, frozen=True)
class Limit:
    """A bucket: ``burst`` tokens, refilled at ``per_s`` a second; ``per_s == 0`` is unlimited."""

    per_s: float
    burst: int

    @property
    def unlimited(self) -> bool:
        return self.per_s <= 0

    def as_setting(self) -> dict[str, Any]:
        return {"per_s": self.per_s, "burst": self.burst}


def valid_limit(per_s: float, burst: int) -> str | None:
    """Why a limit is refused, or None when it is acceptable."""
    if not math.isfinite(per_s) or not 0 <= per_s <= MAX_PER_S:
        return f"per_s is between 0 (unlimited) and {MAX_PER_S:g}"
    if not 1 <= burst <= MAX_BURST:
        return f"burst is between 1 and {MAX_BURST}"
    return None


def limit_from_settings(settings: dict[str, Any]) -> Limit | None:
    """A tenant's override in ``tenants.settings['rate_limit']``; None (the global default)
    when absent or not well formed, so a bad row never locks a tenant out."""
    raw = settings.get("rate_limit")
    if not isinstance(raw, dict):
        return None
    per_s, burst = raw.get("per_s"), raw.get("burst")
    if isinstance(per_s, bool) or not isinstance(per_s, int | float):
        return None
    if isinstance(burst, bool) or not isinstance(burst, int):
        return None
    return Limit(float(per_s), burst) if valid_limit(float(per_s), burst) is None else None


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """``check(key, limit)`` spends one token: None when allowed, else seconds until one is
    free. ``limit`` defaults to the global settings; a tenant's override is passed in."""

    def __init__(
        self,
        rate_per_s: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        self.default = Limit(rate_per_s, max(burst, 1))
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: dict[object, _Bucket] = {}

    @property
    def enabled(self) -> bool:
        return not self.default.unlimited

    def check(self, key: object, limit: Limit | None = None) -> float | None:
        limit = limit or self.default
        if limit.unlimited:
            return None
        rate, burst = limit.per_s, float(limit.burst)
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self._max_keys:
                self._buckets.clear()  # bounded memory; a reset only ever lets callers through
            bucket = self._buckets[key] = _Bucket(burst, now)
        # A changed limit applies at once: the bucket is capped at the new burst.
        elapsed = max(0.0, now - bucket.updated)  # a clock stepped back refills nothing
        bucket.tokens = min(burst, bucket.tokens + elapsed * rate)
        bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return None
        return (1 - bucket.tokens) / rate
