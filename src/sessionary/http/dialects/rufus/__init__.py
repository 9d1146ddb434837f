"""RUFUS Cloud Public API v0: devices, timing sessions, passings (specs/rufus.md)."""
