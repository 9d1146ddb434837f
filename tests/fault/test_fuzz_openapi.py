"""schemathesis against a real server's ``/v1/openapi.json``, on SQLite and on PostgreSQL: every
operation, generated inputs (with real session ids mixed in so the happy paths run too, and
every int and str of half the cases pushed to 64-bit edges and column lengths): no 5xx, every
status code, content type and body as the schema documents."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from sessionary.bootstrap import build
from sessionary.config import Settings
from sessionary.domain.scopes import SYSTEM
from sessionary.services.credentials import NewCredential
from tests.conftest import TEST_ACTOR

from .edges import push_to_edges
from .report import env_int, record
from .server import BACKENDS, SECRET_KEY, Server, TenantWorld, fresh_database, provision

EXAMPLES = env_int("FAULT_FUZZ_EXAMPLES", 25)
# Long-lived streams (the lifecycle event stream, being built) never end a response.
STREAMS = {"/v1/events"}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module", params=BACKENDS)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Server, TenantWorld, str]]:
    url = fresh_database(request, tmp_path_factory.mktemp("fuzz"))
    world = provision(url, "acme")
    operator = asyncio.run(_operator_key(url))
    server = Server(url)
    server.start()
    try:
        yield server, world, operator
    finally:
        server.stop()


async def _operator_key(url: str) -> str:
    c = build(Settings(database_url=url, sweep_interval_s=0, secret_key=SecretStr(SECRET_KEY)))
    try:
        issued = await c.credentials.issue(NewCredential(None, (SYSTEM,)), TEST_ACTOR)
        return issued.secret
    finally:
        await c.close()


def test_every_native_operation_answers_as_its_schema_says(
    served: tuple[Server, TenantWorld, str],
) -> None:
    server, world, operator = served
    schema = schemathesis.openapi.from_url(server.base + "/v1/openapi.json")
    tenant = {"Authorization": f"Bearer {world.native}"}
    live = [_open(server.base, tenant, n) for n in range(5)]
    statuses: Counter[int] = Counter()
    operations = 0
    failures: list[str] = []  # every failing operation, not only the first
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # an Err raises, as it should
        path = operation.path
        if not path.startswith("/v1") or path in STREAMS:
            continue  # the casino game API is checked by the dialect fuzz suite
        headers = {"Authorization": f"Bearer {operator}"} if "/tenants" in path else tenant
        try:
            _fuzz(operation, server.base, headers, live, statuses)
        except Exception as exc:  # schemathesis' failures, a group of them
            failures.append(f"{operation.method.upper()} {path}: {str(exc)[:1500]}")
        operations += 1
    assert not failures, "\n\n".join(failures)
    assert server.alive()
    assert operations >= 15, f"only {operations} operations in the schema"
    record("fuzz-openapi", operations=operations, cases=sum(statuses.values()), statuses=statuses)


def _fuzz(
    operation: Any,
    base: str,
    headers: dict[str, str],
    live: list[str],
    statuses: Counter[int],
) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,  # the same cases every run, and they reach the edges (edges.py)
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(), real=st.booleans(), edges=st.booleans(), data=st.data())
    def run(case: Any, real: bool, edges: bool, data: st.DataObject) -> None:
        if edges:
            _push_to_edges(case, data)
        if real and "session_id" in (case.path_parameters or {}):
            case.path_parameters["session_id"] = data.draw(st.sampled_from(live))
        response = case.call(base_url=base, headers=headers, timeout=30)
        statuses[response.status_code] += 1
        checks = CHECKS
        if case.path.startswith("/v1/usage") and "json" not in str(
            (case.query or {}).get("format", "json")
        ):
            # csv / cloudevents exports are not in the schema yet (usage export is in progress)
            checks = [not_a_server_error, status_code_conformance]
        case.validate_response(response, checks=checks)

    run()


def _push_to_edges(case: Any, data: st.DataObject) -> None:
    """One or two of the ints and strs the case sends become edge values; the schema may
    allow them (an unbounded integer, a string without maxLength), the database may not."""
    parts = ("path_parameters", "query", "headers", "body")
    sent = {part: getattr(case, part) for part in parts}
    sent = {k: dict(v) if k != "body" and v else v for k, v in sent.items()}
    for part, value in push_to_edges(data, sent).items():
        if value is not sent[part]:
            setattr(case, part, value)


def _open(base: str, headers: dict[str, str], n: int) -> str:
    body = {"subject": {"kind": "user", "id": f"fuzz-{n}"}, "metered": True}
    response = httpx.post(base + "/v1/sessions", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_every_v1_operation_documents_its_problem_answers(client: httpx.AsyncClient) -> None:
    """Reproducer: the schema listed only 200/400, so a 422 or 404 was 'undocumented'."""
    schema = (await client.get("/v1/openapi.json")).json()
    operations = [
        (path, verb, op)
        for path, item in schema["paths"].items()
        if path.startswith("/v1")
        for verb, op in item.items()
        if verb in ("get", "put", "post", "delete", "patch")
    ]
    assert operations
    for path, verb, op in operations:
        for status in ("401", "404", "422", "503"):
            content = op["responses"][status]["content"]
            assert "application/problem+json" in content, (path, verb, status)
    assert "Problem" in schema["components"]["schemas"]
