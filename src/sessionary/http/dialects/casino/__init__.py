"""LuckyMonaco-style casino API: game sessions, rounds, signed close (specs/casino.md)."""
