"""Switching the repository's one-step paths off for one example, so the model checks the
general path with the same sequences. Temporary by nature: issue 20 leaves one path, and once
these methods are gone ``on`` finds nothing to switch and the examples run the one path."""

from __future__ import annotations

from typing import Any

from sessionary.storage.repositories.sessions import SqlSessionRepository

ONE_STEP = ("open_plain", "close_live", "delete_live", "extend_live", "append_plain")


async def _never(*args: object, **kwargs: object) -> None:
    return None


class GeneralPath:
    def __init__(self) -> None:
        self._saved: dict[str, Any] = {}

    def on(self) -> bool:
        """True when there was a one-step path to switch off."""
        for name in ONE_STEP:
            if hasattr(SqlSessionRepository, name):
                self._saved[name] = vars(SqlSessionRepository).get(name)
                setattr(SqlSessionRepository, name, _never)
        return bool(self._saved)

    def off(self) -> None:
        for name, own in self._saved.items():
            if own is None:  # inherited (OneStepPaths): uncover the base class's method
                delattr(SqlSessionRepository, name)
            else:
                setattr(SqlSessionRepository, name, own)
        self._saved.clear()
