"""The ceiling: a bare Starlette route returning a small JSON body, no auth, no database.

Served by granian with the same worker count as the server under test
(``granian --interface asgi --workers N ceiling_app:app`` from bench/), so every scenario can
be read as a fraction of what this framework layer alone can answer on the same machine in the
same minutes.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def hello(_: Request) -> JSONResponse:
    return JSONResponse({"status": "active", "id": "ses_01hello", "ok": True})


app = Starlette(routes=[Route("/hello", hello)])
