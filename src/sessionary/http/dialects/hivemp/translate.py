"""HiveMP wire shapes: UserSession, UserSessionWithSecrets, AuthenticationResponse (spec §5)."""

from __future__ import annotations

import re
import secrets
from typing import Any

import msgspec
from litestar import Response

from ....domain.model import SECOND, Micros
from ....domain.session import Session
from .errors import HiveError

DIALECT = "hivemp"
SESSION_TTL_S = 3600
USER_ROLE, ADMIN_ROLE = "builtin:user", "builtin:admin"
_SESSION_ID = re.compile(r"^us-\d{1,20}$")


def new_session_id() -> str:
    return f"us-{secrets.randbelow(10**16):016d}"


def checked_session_id(value: str) -> str:
    if not _SESSION_ID.match(value):
        raise HiveError(
            400,
            1005,
            "the id is not a user session id",
            "id",
            invalidIdentifier=value,
            invalidIdentifierReason="expected us- followed by digits",
            invalidIdentifierExpectedType="UserSession",
        )
    return value


def user_session(s: Session, project_id: str, now: Micros) -> dict[str, Any]:
    expiry = s.expires_at if s.expires_at is not None else s.opened_at + SESSION_TTL_S * SECOND
    return {
        "id": s.id,
        "accountId": s.subject_id,
        "projectId": project_id,
        "start": s.opened_at // SECOND,
        "expiry": expiry // SECOND,
        "billedMinutes": s.billed_minutes(now),
        "metered": s.metered,
        "profile": None,
    }


def with_secrets(s: Session, project_id: str, now: Micros, api_key: str) -> dict[str, Any]:
    """``secretKey`` is kept for 2017 clients (spec §5 proposal); the server never reuses it."""
    return {
        **user_session(s, project_id, now),
        "apiKey": api_key,
        "secretKey": secrets.token_hex(16),
    }


def authentication_response(
    session: dict[str, Any] | None,
    prompt_email: bool = False,
    prompt_password: bool = False,
    projects: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "authenticatedSession": session,
        "availableProjects": projects or [],
        "intent": "login" if session is not None else None,
        "passwordResetEmailSent": False,
        "promptForEmailAddress": prompt_email,
        "promptForMarketingPreferenceOptIn": False,
        "promptForPassword": prompt_password,
        "promptForProject": False,
        "promptForTwoFactor": False,
    }


def ok(body: Any) -> Response[bytes]:
    """Success is always exactly 200 with a JSON body (spec §2)."""
    return Response(
        content=msgspec.json.encode(body), status_code=200, media_type="application/json"
    )
