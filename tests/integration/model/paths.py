"""Switching the session repository's one-step paths off for one example, so the model checks
the general path with the same sequences. Temporary by nature: issue 20 leaves one path, and
once these methods (or their class) are gone ``on`` finds nothing to switch and returns False;
the examples then run the one path."""

from __future__ import annotations

import importlib
from typing import Any

ONE_STEP = ("open_plain", "close_live", "delete_live", "extend_live", "append_plain")


async def _never(*args: object, **kwargs: object) -> None:
    return None


def _repository() -> Any:
    try:
        module = importlib.import_module("sessionary.storage.repositories.sessions")
    except ImportError:
        return None
    return getattr(module, "SqlSessionRepository", None)


class GeneralPath:
    def __init__(self) -> None:
        self._cls = _repository()
        self._saved: dict[str, Any] = {}

    def on(self) -> bool:
        """True when there was a one-step path to switch off."""
        for name in ONE_STEP:
            if self._cls is not None and hasattr(self._cls, name):
                self._saved[name] = vars(self._cls).get(name)
                setattr(self._cls, name, _never)
        return bool(self._saved)

    def off(self) -> None:
        for name, own in self._saved.items():
            if own is None:  # inherited (OneStepPaths): uncover the base class's method
                delattr(self._cls, name)
            else:
                setattr(self._cls, name, own)
        self._saved.clear()
