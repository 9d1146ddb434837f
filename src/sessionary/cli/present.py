"""CLI rendering of core objects (the same JSON shapes as /v1)."""

from __future__ import annotations

from typing import Any

import msgspec

from ..domain.session import Session
from ..http.native.present import iso, session_out

__all__ = ["iso", "session_json", "session_row"]


def session_json(s: Session, now: int) -> dict[str, Any]:
    out: dict[str, Any] = msgspec.to_builtins(session_out(s, now))
    return out


def session_row(s: Session, now: int) -> list[Any]:
    return [
        s.id,
        s.effective_status(now).value,
        f"{s.subject_kind}/{s.subject_id}",
        s.scope,
        iso(s.opened_at),
        s.billed_minutes(now),
    ]
