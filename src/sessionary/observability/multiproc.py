"""Several granian workers share request metrics through prometheus_client's multiprocess mode.

This module must not import prometheus_client: it runs in ``sessionary serve`` before the
workers start, and prometheus_client picks its value storage when it is first imported."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def prepare_multiprocess_dir(workers: int) -> str | None:
    """Before granian starts several workers: an empty directory for the shared metric files.

    An operator's own ``PROMETHEUS_MULTIPROC_DIR`` is used, its ``*.db`` files removed (files
    left by an earlier run would be added to this one's counts); otherwise a fresh temporary
    directory."""
    if workers <= 1:
        return None
    configured = os.environ.get(MULTIPROC_ENV)
    if configured:
        path = Path(configured)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):  # only prometheus_client's own files
            stale.unlink()
    else:
        path = Path(tempfile.mkdtemp(prefix="sessionary-metrics-"))
    os.environ[MULTIPROC_ENV] = str(path)
    return str(path)
