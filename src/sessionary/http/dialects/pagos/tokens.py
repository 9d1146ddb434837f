"""Clients, bearer tokens and the brute-force lockout (spec §2).

A client is a credential of kind ``pagos-client``: its id is the Client Identifier and its
secret the Client Secret (stored as SHA-256). A token is a credential of kind ``pagos-token``
with an expiry, naming its client; revoking the client kills its tokens at once."""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Callable

from ....bootstrap import Container
from ....domain.errors import Unauthenticated
from ....domain.model import SECOND, Actor, Principal
from ....services.credentials import NewCredential, digest, digests_match

CLIENT, TOKEN = "pagos-client", "pagos-token"
FAILURES_ALLOWED, WINDOW_S, LOCKOUT_S = 5, 60.0, 60.0


def new_token() -> str:
    """base64url of 32 random bytes, padding stripped, plus the padding-count digit (.NET
    ``UrlTokenEncode``), like the documented sample token."""
    raw = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    stripped = raw.rstrip("=")
    return stripped + str(len(raw) - len(stripped))


def new_client_secret() -> str:
    return secrets.token_urlsafe(32)


class Lockout:
    """Failed secrets per client id, in process memory (so the limit is per API node)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._failures: dict[str, list[float]] = {}
        self._locked_until: dict[str, float] = {}

    def locked(self, client_id: str) -> bool:
        return self._locked_until.get(client_id, 0.0) > self._clock()

    def fail(self, client_id: str) -> None:
        now = self._clock()
        recent = [t for t in self._failures.get(client_id, []) if now - t < WINDOW_S]
        recent.append(now)
        self._failures[client_id] = recent[-FAILURES_ALLOWED:]
        if len(recent) >= FAILURES_ALLOWED:
            self._locked_until[client_id] = now + LOCKOUT_S
        if len(self._failures) > 100_000:
            self._failures.clear()


async def issue_token(
    c: Container, lockout: Lockout, client_id: str, client_secret: str, actor: Actor
) -> str | None:
    """A new token, or None for a wrong, revoked or locked-out client (all the same answer)."""
    if not client_id or not client_secret or lockout.locked(client_id):
        return None
    try:
        client = await c.auth.authenticate(client_secret)
    except Unauthenticated:
        client = None
    if (
        client is None
        or client.kind != CLIENT
        or not digests_match(digest(client.credential_id), digest(client_id))
    ):
        lockout.fail(client_id)
        return None
    stored = await c.credentials.get(client.tenant_pk, client.credential_id)  # uncached
    if stored is None or stored.revoked_at is not None:
        return None
    token = new_token()
    expires = c.clock.now() + c.settings.pagos_token_ttl_s * SECOND
    new = NewCredential(
        tenant_pk=client.tenant_pk,
        scopes=(),
        kind=TOKEN,
        secret=token,
        expires_at=expires,
        attributes={"client_id": client.credential_id},
    )
    await c.credentials.issue(new, actor)
    return token


async def token_client(c: Container, token: str | None) -> Principal | None:
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
