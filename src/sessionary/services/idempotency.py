"""Idempotency-Key handling: same key + same body replays the first response; a different
body with the same key is a conflict. Keys are scoped to the credential that sent them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ..domain.errors import IdempotencyInProgress, IdempotencyMismatch
from ..domain.model import SECOND, Micros
from ..domain.ports import Clock, UnitOfWorkFactory
from .sealing import Sealer

STALE_AFTER_S = 60
KEEP_FOR_S = 24 * 3600


@dataclass(slots=True, frozen=True)
class Replay:
    status: int
    body: bytes


@dataclass(slots=True, frozen=True)
class Claim:
    """The key is ours to answer: pass this claim to ``complete`` or ``release``."""

    scope_key: str
    at: Micros


def request_hash(method: str, path: str, body: bytes) -> str:
    h = hashlib.sha256()
    for part in (method.encode(), path.encode(), body):
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()


class IdempotencyService:
    """Stored responses are sealed: a response may carry a secret shown once (a new key's or
    a webhook's), and a database dump must not reveal it."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, sealer: Sealer) -> None:
        self._uow = uow
        self._clock = clock
        self._sealer = sealer

    async def begin(self, scope_key: str, req_hash: str) -> Claim | Replay:
        """Claim the key (go ahead) or return the stored response to replay."""
        now = self._clock.now()
        async with self._uow() as uow:
            stored = await uow.idempotency.claim(
                scope_key, req_hash, now, now - STALE_AFTER_S * SECOND
            )
            await uow.commit()
        if stored is None:
            return Claim(scope_key, now)
        if stored.request_hash != req_hash:
            raise IdempotencyMismatch("this Idempotency-Key was used with a different request")
        if stored.status is None or stored.body is None:
            raise IdempotencyInProgress("a request with this Idempotency-Key is in progress")
        return Replay(stored.status, self._sealer.open_bytes(stored.body))

    async def complete(self, claim: Claim, status: int, body: bytes) -> None:
        sealed = self._sealer.seal_bytes(body)
        async with self._uow() as uow:
            await uow.idempotency.complete(claim.scope_key, claim.at, status, sealed)
            await uow.commit()

    async def release(self, claim: Claim) -> None:
        async with self._uow() as uow:
            await uow.idempotency.release(claim.scope_key, claim.at)
            await uow.commit()
