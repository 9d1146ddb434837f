"""The request id, decided and read in this one module.

``assign`` takes a sane ``X-Request-Id`` from the caller or makes one, once per request (the
outermost middleware calls it); everything else that needs the id (error bodies, the audit
trail's actor, log lines) reads it back with ``request_id`` or ``of_scope``, so no two places
can disagree about it or about where it is kept."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, MutableMapping
from typing import Any

from litestar import Request

HEADER = b"x-request-id"
_SANE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")  # fits the audit column (limits.REQUEST_ID)
_KEY = "request_id"


def assign(scope: MutableMapping[str, Any]) -> str:
    """The caller's id when it is sane, else a fresh one; kept in the scope's state."""
    rid = next((v.decode("latin-1") for k, v in scope["headers"] if k == HEADER), None)
    if rid is None or not _SANE.match(rid):
        rid = secrets.token_hex(8)
    scope.setdefault("state", {})[_KEY] = rid
    return rid


def of_scope(scope: Mapping[str, Any]) -> str | None:
    rid = scope.get("state", {}).get(_KEY)
    return rid if isinstance(rid, str) else None


def request_id(request: Request[Any, Any, Any]) -> str | None:
    return of_scope(request.scope)
