"""Liveness and readiness probes."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get


@get("/healthz", include_in_schema=False)
async def healthz() -> dict[str, str]:
    """The process is up and serving."""
    return {"status": "ok"}


@get("/readyz", include_in_schema=False)
async def readyz(request: Request[Any, Any, Any]) -> Response[dict[str, str]]:
    """The database answers; load balancers stop routing here when it does not."""
    ok = await request.app.state.container.database.ping()
    return Response({"status": "ok" if ok else "unavailable"}, status_code=200 if ok else 503)
