"""Scrape /metrics and read samples out of the Prometheus text."""

from __future__ import annotations

from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample
from sqlalchemy import Executable

from sessionary.bootstrap import Container


async def scrape(client: httpx.AsyncClient, headers: dict[str, str] | None = None) -> list[Sample]:
    response = await client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return [s for f in text_string_to_metric_families(response.text) for s in f.samples]


def family_names(text: str) -> set[str]:
    return {family.name for family in text_string_to_metric_families(text)}


def value(samples: list[Sample], name: str, **labels: str) -> float | None:
    """The sample named ``name`` whose labels include ``labels``; None when there is none."""
    found = [s.value for s in samples if s.name == name and labels.items() <= s.labels.items()]
    assert len(found) <= 1, (name, labels, found)
    return found[0] if found else None


async def execute(container: Container, *statements: Executable) -> None:
    """Raw writes for rows no service in this suite creates (webhook deliveries)."""
    async with container.database.unit_of_work() as uow:
        ex: Any = uow.sessions._ex
        for statement in statements:
            await ex.execute(statement)
        await uow.commit()
