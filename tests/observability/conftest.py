"""Observability tests read gauges right after changing the data: no scrape cache here."""

from __future__ import annotations

import pytest

from sessionary.config import Settings


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url, sweep_interval_s=0, environment="test", metrics_cache_s=0
    )
