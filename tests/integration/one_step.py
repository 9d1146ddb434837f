"""Switching a repository's one-step path off, or counting the times it applied, so a test can
compare it with the general path (storage/repositories/one_step.py)."""

from __future__ import annotations

from typing import Any

import pytest

from sessionary.storage.repositories.sessions import SqlSessionRepository


def count_one_steps(monkeypatch: pytest.MonkeyPatch, method: str) -> list[object]:
    """Every result of ``method`` that was not None (the one step applied), in order."""
    taken: list[object] = []
    real = getattr(SqlSessionRepository, method)

    async def spy(self: SqlSessionRepository, *args: Any) -> Any:
        done = await real(self, *args)
        if done is not None:
            taken.append(done)
        return done

    monkeypatch.setattr(SqlSessionRepository, method, spy)
    return taken


def force_general_path(monkeypatch: pytest.MonkeyPatch, method: str) -> None:
    """``method`` never applies: every call takes the general path."""

    async def never(*args: object, **kwargs: object) -> None:
        return None

    monkeypatch.setattr(SqlSessionRepository, method, never)
