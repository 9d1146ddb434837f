"""The defences of POST /token, per API node: a bucket per source address that every request
spends, a bucket per client that every issued token spends, and the brute-force lockout.

Each token is a credentials row that lives until it expires (14 days by default) plus the
purge grace, so the client bucket is what bounds how fast one client can add rows; the
source bucket bounds the work (and the lockout bookkeeping) any one address can cause."""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from typing import Any

from litestar import Request

from ....domain.model import SECOND
from ....services.ratelimit import RateLimiter
from ....services.registry import Services
from .tokens import Lockout

_STATE_KEY = "pagos_token_guard"


@dataclass(slots=True, frozen=True)
class SlowDown:
    """A refused call: whole seconds until the bucket has a token again."""

    retry_after: int


def source_key(address: str | None) -> str:
    """The bucket of a peer address: an IPv6 host owns a whole /64 (one bucket per address
    there would be no limit at all), an IPv4 one its address."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return address or "unknown"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is None:
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip.ipv4_mapped or ip) if isinstance(ip, ipaddress.IPv6Address) else str(ip)


def _refusal(wait: float | None) -> SlowDown | None:
    return None if wait is None else SlowDown(max(1, math.ceil(wait)))


class TokenGuard:
    def __init__(self, c: Services) -> None:
        s = c.settings

        def clock() -> float:
            return c.clock.now() / SECOND

        self._sources = RateLimiter(
            s.pagos_token_source_per_s, s.pagos_token_source_burst, clock=clock
        )
        self._clients = RateLimiter(
            s.pagos_token_client_per_s, s.pagos_token_client_burst, clock=clock
        )
        self.lockout = Lockout(clock, s.pagos_lockout_max_clients)

    def source(self, address: str | None) -> SlowDown | None:
        return _refusal(self._sources.check(source_key(address)))

    def client(self, tenant_pk: int | None, client_id: str) -> SlowDown | None:
        return _refusal(self._clients.check((tenant_pk, client_id)))


def token_guard(request: Request[Any, Any, Any], c: Services) -> TokenGuard:
    """The app's one guard, built on first use from its container's settings and clock."""
    guard = request.app.state.get(_STATE_KEY)
    if not isinstance(guard, TokenGuard):
        guard = TokenGuard(c)
        request.app.state[_STATE_KEY] = guard
    return guard
