"""Observability tests read gauges right after changing the data: no scrape cache and no
background worker changing it here."""

from __future__ import annotations

import pytest

from sessionary.config import Settings


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        sweep_interval_s=0,
        webhook_interval_s=0,  # no delivery worker claiming the backlog a test counts
        environment="test",
        metrics_cache_s=0,
    )
