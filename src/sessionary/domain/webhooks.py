"""Webhook subscriptions and their deliveries: the rules, without I/O.

A subscription receives every lifecycle record of its tenant (or only the types it names).
Each record becomes one delivery per subscription; a delivery is retried with exponential
backoff and jitter until it succeeds or runs out of attempts (then it is dead-lettered)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from .model import SECOND, LifecycleRecord, Micros

# Every lifecycle record type a subscription may ask for (domain/session.py, domain/work.py).
EVENT_TYPES = frozenset(
    {
        "opened",
        "closed",
        "extended",
        "expired",
        "deleted",
        "work_cancel_requested",
        "work_cancelled",
        "work_complete_requested",
        "work_completed",
    }
)


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its attempt (or for an earlier record of its session)
    DELIVERING = "delivering"  # claimed by a node until ``lease_until``
    DELIVERED = "delivered"
    DEAD = "dead"  # out of attempts; ``replay`` makes it pending again


@dataclass(slots=True)
class Webhook:
    pk: int
    id: str
    tenant_pk: int
    url: str
    event_types: list[str]  # empty: every type
    secret_sealed: str
    active: bool
    cursor: tuple[int, int]  # stream position of the last record fanned out
    created_at: Micros
    disabled_at: Micros | None = None
    # After a rotation the secret it replaced signs too, until this time (README: Webhooks).
    previous_secret_sealed: str | None = None
    previous_secret_expires_at: Micros | None = None

    def wants(self, record: LifecycleRecord) -> bool:
        return not self.event_types or record.type in self.event_types

    def signing_secrets_sealed(self, now: Micros) -> list[str]:
        """The sealed secrets that sign a delivery made at ``now``: the current one first,
        then the previous one while its overlap lasts (an expired one is never used)."""
        previous = self.previous_secret_sealed
        expires = self.previous_secret_expires_at
        if previous is None or expires is None or expires <= now:
            return [self.secret_sealed]
        return [self.secret_sealed, previous]

    def rotate_secret(self, new_sealed: str, now: Micros, overlap: Micros) -> None:
        """The current secret becomes the previous one for ``overlap`` (0: it stops at once).
        Only one previous secret is kept: rotating again during an overlap drops the older."""
        keep = overlap > 0
        self.previous_secret_sealed = self.secret_sealed if keep else None
        self.previous_secret_expires_at = now + overlap if keep else None
        self.secret_sealed = new_sealed


@dataclass(slots=True)
class Delivery:
    pk: int
    webhook_pk: int
    tenant_pk: int
    lifecycle_id: int
    session_pk: int
    status: DeliveryStatus
    attempts: int
    next_attempt_at: Micros
    created_at: Micros
    last_status: int | None = None
    last_error: str | None = None
    delivered_at: Micros | None = None


@dataclass(slots=True, frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base_s: float = 1.0
    max_s: float = 3600.0

    def delay(self, attempts: int, rand: Callable[[], float] = random.random) -> Micros:
        """Backoff after the ``attempts``-th failure: base * 2^(n-1), capped, times a jitter
        factor drawn from [0.5, 1.0) so a fleet of failing deliveries does not retry in step."""
        ceiling = min(self.max_s, self.base_s * 2 ** max(attempts - 1, 0))
        return int(ceiling * (0.5 + rand() / 2) * SECOND)

    def exhausted(self, attempts: int) -> bool:
        return attempts >= self.max_attempts
