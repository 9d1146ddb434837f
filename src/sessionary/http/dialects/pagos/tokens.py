"""Clients, bearer tokens and the brute-force lockout (spec §2).

A client is a credential of kind ``pagos-client``: its id is the Client Identifier and its
secret the Client Secret (stored as SHA-256). A token is a credential of kind ``pagos-token``
with an expiry, naming its client; revoking the client kills its tokens at once."""

from __future__ import annotations

import base64
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING

from ....dialects.pagos.clients import CLIENT
from ....domain.errors import Unauthenticated
from ....domain.model import SECOND, Actor, Principal
from ....services.credentials import NewCredential, digest, digests_match
from ....services.registry import Services

if TYPE_CHECKING:
    from .token_limits import SlowDown, TokenGuard

TOKEN = "pagos-token"  # noqa: S105 - a credential kind, not a secret
FAILURES_ALLOWED, WINDOW_S, LOCKOUT_S = 5, 60.0, 60.0
MAX_CLIENT_ID = 40  # credentials.id


def new_token() -> str:
    """base64url of 32 random bytes, padding stripped, plus the padding-count digit (.NET
    ``UrlTokenEncode``), like the documented sample token."""
    raw = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    stripped = raw.rstrip("=")
    return stripped + str(len(raw) - len(stripped))


class Lockout:
    """Failed secrets per client id, in process memory (so the limit is per API node).

    Bounded: at most ``max_clients`` clients with failures but no lockout are remembered; past
    that the one whose last failure is oldest is forgotten first (a stale counter is the
    cheapest loss, and evicting one only ever lets a caller through sooner). A locked-out
    client is never forgotten before its lockout ends: locks live apart from the counters,
    in the order they end, and leave only when they have ended. They need five failures each
    within the window and last ``LOCKOUT_S``, so their number is bounded by the failure rate
    (itself throttled per source), not by this cap."""

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, max_clients: int = 10_000
    ) -> None:
        self._clock = clock
        self._max_clients = max(max_clients, 1)
        self._failures: OrderedDict[str, list[float]] = OrderedDict()  # least recent first
        self._locked_until: OrderedDict[str, float] = OrderedDict()  # ends in this order

    def __len__(self) -> int:
        """Clients remembered: failure counters plus current lockouts."""
        self._unlock_ended(self._clock())
        return len(self._failures) + len(self._locked_until)

    def locked(self, client_id: str) -> bool:
        now = self._clock()
        self._unlock_ended(now)
        return self._locked_until.get(client_id, 0.0) > now

    def fail(self, client_id: str) -> None:
        now = self._clock()
        self._unlock_ended(now)
        if client_id in self._locked_until:
            return  # already locked: a failure now neither extends nor counts
        recent = [t for t in self._failures.pop(client_id, []) if now - t < WINDOW_S]
        recent.append(now)
        if len(recent) >= FAILURES_ALLOWED:
            self._locked_until[client_id] = now + LOCKOUT_S
            return
        while len(self._failures) >= self._max_clients:
            self._failures.popitem(last=False)
        self._failures[client_id] = recent

    def _unlock_ended(self, now: float) -> None:
        while self._locked_until:
            client_id, until = next(iter(self._locked_until.items()))
            if until > now:
                return
            del self._locked_until[client_id]


async def issue_token(
    c: Services,
    guard: TokenGuard,
    client_id: str,
    client_secret: str,
    actor: Actor,
) -> str | SlowDown | None:
    """A new token; None for a wrong, revoked or locked-out client (all the same answer);
    ``SlowDown`` for a right one that has had its share of tokens for now."""
    if not client_id or not client_secret or len(client_id) > MAX_CLIENT_ID:
        return None  # no id is longer: such a guess is not worth remembering
    if guard.lockout.locked(client_id):
        return None
    client = await _client(c, guard.lockout, client_id, client_secret)
    if client is None:
        return None
    stored = await c.credentials.get(client.tenant_pk, client.credential_id)  # uncached
    if stored is None or stored.revoked_at is not None:
        return None
    throttled = guard.client(client.tenant_pk, client.credential_id)
    return throttled if throttled is not None else await _store_token(c, client, actor)


async def _client(c: Services, lockout: Lockout, client_id: str, secret: str) -> Principal | None:
    """The client whose secret this is, if its id is ``client_id``; else a failure counted."""
    try:
        client = await c.auth.authenticate(secret)
    except Unauthenticated:
        client = None
    if (
        client is None
        or client.kind != CLIENT
        or not digests_match(digest(client.credential_id), digest(client_id))
    ):
        lockout.fail(client_id)
        return None
    return client


async def _store_token(c: Services, client: Principal, actor: Actor) -> str:
    """A new token named after its client; the client's oldest past the cap are deleted (a
    deleted token answers exactly like an expired one: ``InvalidToken``)."""
    token = new_token()
    new = NewCredential(
        tenant_pk=client.tenant_pk,
        scopes=(),
        kind=TOKEN,
        name=client.credential_id,
        secret=token,
        expires_at=c.clock.now() + c.settings.pagos_token_ttl_s * SECOND,
        attributes={"client_id": client.credential_id},
    )
    await c.credentials.issue(new, actor, keep_newest_named=c.settings.pagos_max_tokens_per_client)
    return token


async def token_client(c: Services, token: str | None) -> Principal | None:
    """The token's principal if it is live and its client is not revoked, else None."""
    try:
        principal = await c.auth.authenticate(token)
    except Unauthenticated:
        return None
    if principal.kind != TOKEN or principal.tenant_pk is None:
        return None
    client_id = str(dict(principal.attributes).get("client_id"))
    live = await c.credentials.get(principal.tenant_pk, client_id)
    return principal if live is not None and live.revoked_at is None else None
