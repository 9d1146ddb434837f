"""``GET /metrics``: Prometheus text format; open unless ``SESSIONARY_METRICS_TOKEN`` is set."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from litestar import Request, Response, get

from ..http.problem import problem
from ..http.request_id import request_id
from ..services.registry import Services
from .instrument import STATE_KEY
from .metrics import Metrics


def _authorized(expected: str, header: str | None) -> bool:
    scheme, _, presented = (header or "").partition(" ")
    if scheme.lower() != "bearer":
        presented = ""
    # Compare digests of equal length so neither content nor length leaks through timing.
    return hmac.compare_digest(
        hashlib.sha256(presented.strip().encode()).digest(),
        hashlib.sha256(expected.encode()).digest(),
    )


@get("/metrics", include_in_schema=False)
async def metrics_endpoint(request: Request[Any, Any, Any]) -> Response[bytes]:
    container: Services = request.app.state.container
    token = container.settings.metrics_token
    if token is not None and not _authorized(
        token.get_secret_value(), request.headers.get("authorization")
    ):
        return problem(
            401,
            "unauthenticated",
            "GET /metrics needs Authorization: Bearer <SESSIONARY_METRICS_TOKEN>",
            request_id=request_id(request),
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    metrics: Metrics = request.app.state[STATE_KEY]
    body, content_type = await metrics.render(container.sweeper.last_run_at)
    media_type = content_type.replace("; charset=utf-8", "")  # Litestar appends the charset
    return Response(body, media_type=media_type, headers={"Cache-Control": "no-store"})
