"""Several granian workers share request metrics through prometheus_client's multiprocess mode.

This module must not import prometheus_client: it runs in ``sessionary serve`` before the
workers start, and prometheus_client picks its value storage when it is first imported."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


@contextmanager
def multiprocess_metrics(workers: int) -> Iterator[str | None]:
    """While granian runs several workers: a directory for the metric files they share.

    An operator's own ``PROMETHEUS_MULTIPROC_DIR`` is used, its ``*.db`` files removed first
    (files left by an earlier run would be added to this one's counts); otherwise a temporary
    directory, removed when the server stops. One worker needs none."""
    if workers <= 1:
        yield None
        return
    configured = os.environ.get(MULTIPROC_ENV)
    if configured:
        path = Path(configured)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):  # only prometheus_client's own files
            stale.unlink()
        yield str(path)
        return
    with tempfile.TemporaryDirectory(prefix="sessionary-metrics-") as temporary:
        os.environ[MULTIPROC_ENV] = temporary
        try:
            yield temporary
        finally:
            del os.environ[MULTIPROC_ENV]
