"""Repositories: each reads and writes one aggregate through an ``Executor``; none commits."""

from __future__ import annotations

from typing import Any

from ..executor import Executor
from .audit import SqlAuditRepository
from .console import SqlConsoleQueries
from .credentials import SqlCredentialRepository
from .events import SqlEventRepository
from .idempotency import SqlIdempotencyRepository
from .lifecycle import SqlLifecycleRepository
from .sealed import SqlSealedRepository
from .sessions import SqlSessionRepository
from .stats import SqlStatsQueries
from .subjects import SqlSubjectRepository
from .tenants import SqlTenantRepository
from .webhooks import SqlWebhookRepository
from .work import SqlWorkRepository


def build_repositories(executor: Executor) -> dict[str, Any]:
    return {
        "tenants": SqlTenantRepository(executor),
        "credentials": SqlCredentialRepository(executor),
        "subjects": SqlSubjectRepository(executor),
        "sessions": SqlSessionRepository(executor),
        "events": SqlEventRepository(executor),
        "lifecycle": SqlLifecycleRepository(executor),
        "audit": SqlAuditRepository(executor),
        "idempotency": SqlIdempotencyRepository(executor),
        "work": SqlWorkRepository(executor),
        "console": SqlConsoleQueries(executor),  # read-only, for the admin console
        "webhooks": SqlWebhookRepository(executor),
        "stats": SqlStatsQueries(executor),
        "sealed": SqlSealedRepository(executor),
    }
