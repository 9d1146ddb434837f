"""Builders for domain objects used by the unit tests; no storage involved."""

from __future__ import annotations

from sessionary.domain.model import SECOND, Micros
from sessionary.domain.session import Session, Status, initial_expiry

T0: Micros = 1_700_000_000 * SECOND


def make_session(
    *,
    opened_at: Micros = T0,
    idle_timeout_s: int | None = None,
    max_lifetime_s: int | None = None,
    metered: bool = True,
) -> Session:
    """An active session whose expiry follows its policy, as the open use case would set it."""
    return Session(
        pk=7,
        tenant_pk=3,
        id="ses_test",
        subject_pk=11,
        subject_kind="player",
        subject_id="p-1",
        scope=None,
        alias=None,
        status=Status.ACTIVE,
        opened_at=opened_at,
        last_activity_at=opened_at,
        expires_at=initial_expiry(opened_at, idle_timeout_s, max_lifetime_s),
        closed_at=None,
        close_reason=None,
        idle_timeout_s=idle_timeout_s,
        max_lifetime_s=max_lifetime_s,
        metered=metered,
    )


def at(seconds: float) -> Micros:
    """The instant ``seconds`` after T0."""
    return T0 + int(seconds * SECOND)
