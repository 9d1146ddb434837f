"""The request id of the call being served, for every log line written while serving it.

Set by ``http.middleware.request_id_middleware`` to the id ``http.request_id`` decided; a
contextvar follows the request's task (and nothing else), so the sweeper and other background
work log without one."""

from __future__ import annotations

from contextvars import ContextVar

REQUEST_ID: ContextVar[str | None] = ContextVar("sessionary_request_id", default=None)
