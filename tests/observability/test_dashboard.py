"""deploy/grafana/sessionary.json queries only metrics a running server exports: a real
``sessionary serve`` with two workers (multiprocess mode), scraped after some traffic."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.fault.server import Server

DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "sessionary.json"
# Metric names, as opposed to functions, labels and keywords, in the dashboard's PromQL
METRIC = re.compile(r"\b(?:sessionary|process|python)_[a-z0-9_]+\b")
SUFFIXES = ("_bucket", "_sum", "_count", "_total")


def expressions(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "expr" or (key in ("query", "definition") and isinstance(value, str)):
                yield value
            else:
                yield from expressions(value)
    elif isinstance(node, list):
        for item in node:
            yield from expressions(item)


def queried(dashboard: dict[str, Any]) -> set[str]:
    return {name for expr in expressions(dashboard) for name in METRIC.findall(expr)}


def exported(text: str) -> set[str]:
    """Every family and sample name, families without any sample yet included (a counter
    whose labels have not been used)."""
    names: set[str] = set()
    for family in text_string_to_metric_families(text):
        names.add(family.name)
        names.update(sample.name for sample in family.samples)
    return names


def base_name(name: str) -> str:
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return name.removesuffix(suffix)
    return name


def test_the_dashboard_parses_and_queries_every_kind_of_metric() -> None:
    names = queried(json.loads(DASHBOARD.read_text()))
    assert {"sessionary_build_info", "sessionary_db_pool_checked_out"} <= names
    assert {"process_resident_memory_bytes", "python_gc_collections_total"} <= names


def test_every_metric_the_dashboard_queries_is_exported_by_a_running_server(
    database_url: str,
) -> None:
    server = Server(database_url, SESSIONARY_WORKERS="2")
    server.start()
    try:
        for path in ("/healthz", "/readyz", "/v1/sessions", "/no-such-page") * 5:
            httpx.get(server.base + path, timeout=10)
        time.sleep(1.5)  # a sweeper pass and a pool sample in each worker
        response = httpx.get(server.base + "/metrics", timeout=10)
    finally:
        server.stop()
    assert response.status_code == 200
    names = exported(response.text)
    bases = {base_name(n) for n in names}
    missing = {q for q in queried(json.loads(DASHBOARD.read_text())) if base_name(q) not in bases}
    assert not missing, missing
    assert any(s.startswith("process_") for s in names)
