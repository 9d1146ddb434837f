"""HiveMP request bodies (camelCase). Unknown fields are ignored; known ones are type-checked."""

from __future__ import annotations

from typing import Annotated, Any

from msgspec import Meta, Struct

Short = Annotated[str, Meta(max_length=320)]


class AuthenticationRequest(Struct, kw_only=True):
    emailAddress: Short | None = None
    passwordHash: Short | None = None
    marketingPreferenceOptIn: bool | None = None
    metered: bool | None = None
    projectId: Short | None = None
    promptForProject: bool | None = None
    requestedRole: Short | None = None
    tokens: dict[str, Any] | None = None
    twoFactor: dict[str, Any] | None = None


class AuthenticationSwitchRequest(Struct, kw_only=True):
    projectId: Short | None = None
