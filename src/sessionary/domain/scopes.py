"""Credential scopes of the native API. ``admin`` is everything inside its own tenant;
``system`` belongs to operator credentials that have no tenant and manage tenants."""

from __future__ import annotations

SESSIONS_READ = "sessions:read"
SESSIONS_WRITE = "sessions:write"
EVENTS_READ = "events:read"
EVENTS_WRITE = "events:write"
USAGE_READ = "usage:read"
ADMIN = "admin"
SYSTEM = "system"

TENANT_SCOPES = frozenset(
    {SESSIONS_READ, SESSIONS_WRITE, EVENTS_READ, EVENTS_WRITE, USAGE_READ, ADMIN}
)
ALL_SCOPES = TENANT_SCOPES | {SYSTEM}
