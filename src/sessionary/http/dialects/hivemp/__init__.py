"""HiveMP user-session API v1: accounts, metered user sessions (specs/hivemp.md)."""
