"""``sessionary serve``: bootstrap key on a fresh database, then granian workers."""

from __future__ import annotations

import os

import typer

from ..bootstrap import Container
from ..observability.logs import configure_logging, resolve_format
from ..observability.multiproc import multiprocess_metrics
from ..services.credentials import IssuedCredential
from ..storage.migrate import current, head
from .common import fail, run, settings


def _bootstrap() -> IssuedCredential | None:
    async def work(c: Container) -> IssuedCredential | None:
        return await c.credentials.bootstrap_operator_key()

    return run(work)


def serve(
    host: str = typer.Option(None, help="Address to bind (default SESSIONARY_HOST)."),
    port: int = typer.Option(None, help="Port (default SESSIONARY_PORT)."),
    workers: int = typer.Option(None, help="Worker processes (default SESSIONARY_WORKERS)."),
) -> None:
    """Serve the API (and every mounted dialect) with granian."""
    cfg = settings(host=host, port=port, workers=workers)
    log_config = configure_logging(resolve_format(cfg.log_format, cfg.environment), cfg.log_level)
    if current(cfg.database_url) != head():
        fail("the database schema is not up to date; run: sessionary db upgrade")
    issued = _bootstrap()
    if issued is not None:
        typer.echo("Bootstrap operator key (shown once; it can create tenants and keys):")
        typer.echo(f"  {issued.secret}")
    for key, value in (("HOST", cfg.host), ("PORT", cfg.port), ("WORKERS", cfg.workers)):
        os.environ[f"SESSIONARY_{key}"] = str(value)
    from granian import Granian  # imported late: only the server needs it

    typer.echo(f"serving on http://{cfg.host}:{cfg.port} with {cfg.workers} worker(s)")
    server = Granian(
        "sessionary.http.asgi:app_factory",
        factory=True,
        address=cfg.host,
        port=cfg.port,
        interface="asgi",  # type: ignore[arg-type]
        workers=cfg.workers,
        loop=cfg.event_loop,  # type: ignore[arg-type]
        log_level=cfg.log_level.lower(),  # type: ignore[arg-type]
        log_dictconfig=log_config,  # each worker logs like this process (fork or spawn)
        log_access=False,  # the app writes its own access line, with route and request id
    )
    with multiprocess_metrics(cfg.workers):  # set before any worker imports prometheus_client
        server.serve()
