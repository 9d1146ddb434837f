"""Idempotency-Key handling: same key + same request replays the first response; another
request with the same key is a conflict. Keys are scoped to the credential that sent them.
"Same request" is the method, the path with its query and the body, a JSON body compared as
a document (key order and whitespace do not count)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ..domain.errors import IdempotencyInProgress, IdempotencyMismatch
from ..domain.model import SECOND, Micros
from ..domain.ports import Clock, UnitOfWorkFactory
from .canonical_json import canonical_json
from .sealing import Sealer

STALE_AFTER_S = 60
KEEP_FOR_S = 24 * 3600
# A first request usually answers in milliseconds; one that hangs loses its claim after
# STALE_AFTER_S, so a client retrying every second gets the answer as soon as there is one.
RETRY_IN_PROGRESS_S = 1


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


@dataclass(slots=True, frozen=True)
class Fingerprint:
    """What a request is, for its key: ``stored`` goes with a new claim; a stored digest
    matches if it is either one. ``raw`` hashes the bytes as sent, as every key claimed
    before JSON bodies were canonicalised was stored, so their retries still replay."""

    stored: str
    raw: str

    def matches(self, stored_hash: str) -> bool:
        return stored_hash in (self.stored, self.raw)


def fingerprint(method: str, path: str, body: bytes) -> Fingerprint:
    """A JSON body is hashed in its canonical form (``canonical_json``), so a retry that
    re-serialised the same document (other key order, other whitespace) replays."""
    raw = request_hash(method, path, body)
    canonical = canonical_json(body)
    if canonical is None or canonical == body:
        return Fingerprint(raw, raw)
    return Fingerprint(request_hash(method, path, canonical), raw)


class IdempotencyService:
    """Stored responses are sealed: a response may carry a secret shown once (a new key's or
    a webhook's), and a database dump must not reveal it."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, sealer: Sealer) -> None:
        self._uow = uow
        self._clock = clock
        self._sealer = sealer

    async def begin(self, scope_key: str, request: Fingerprint) -> Claim | Replay:
        """Claim the key (go ahead) or return the stored response to replay."""
        now = self._clock.now()
        async with self._uow() as uow:
            stored = await uow.idempotency.claim(
                scope_key, request.stored, now, now - STALE_AFTER_S * SECOND
            )
            await uow.commit()
        if stored is None:
            return Claim(scope_key, now)
        if not request.matches(stored.request_hash):
            raise IdempotencyMismatch("this Idempotency-Key was used with a different request")
        if stored.status is None or stored.body is None:
            message = "a request with this Idempotency-Key is in progress"
            raise IdempotencyInProgress(message, retry_after=RETRY_IN_PROGRESS_S)
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
