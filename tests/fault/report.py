"""Bounds of a fault run from the environment (tests/fault/README.md) and the figures it reports."""

from __future__ import annotations

import json
import os
import time


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def record(suite: str, **figures: object) -> None:
    """Print the run's figures; with FAULT_REPORT=path also append them there as JSON lines."""
    line = json.dumps({"suite": suite, "at": time.strftime("%Y-%m-%dT%H:%M:%SZ"), **figures})
    print(line)
    path = os.environ.get("FAULT_REPORT")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(line + "\n")
