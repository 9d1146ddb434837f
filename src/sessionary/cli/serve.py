"""``sessionary serve``: bootstrap key on a fresh database, then granian workers."""

from __future__ import annotations

import logging
import os
import socket
from typing import Any

import typer

from ..bootstrap import Container
from ..config import Settings
from ..http.supervision import guard_forked_workers
from ..observability.logs import configure_logging, resolve_format
from ..observability.multiproc import multiprocess_metrics
from ..services.credentials import IssuedCredential
from ..services.sealing import SealError, check_sealed
from ..storage.migrate import schema_verdict
from ..storage.pgurl import mask_url
from .common import fail, run, settings
from .listener import PortTaken, bind_exclusive, exclusive_granian


def _bootstrap() -> IssuedCredential | None:
    async def work(c: Container) -> IssuedCredential | None:
        await check_sealed(c.sealer, await c.database.sealed_samples())
        return await c.credentials.bootstrap_operator_key()

    return run(work)


def _listen(cfg: Settings) -> socket.socket:
    try:
        return bind_exclusive(cfg.host, cfg.port, cfg.http_backlog)
    except PortTaken as exc:
        fail(f"{exc}; stop it or choose another --port (SESSIONARY_PORT)")
    except OSError as exc:
        fail(f"cannot listen on {cfg.host}:{cfg.port}: {exc} (SESSIONARY_HOST, SESSIONARY_PORT)")


def _check_schema(cfg: Settings) -> None:
    """Serve our own head, or a schema ahead of it that the database records as compatible
    (a rolling upgrade); say so in the log and here (every worker's /readyz reads it itself)."""
    try:
        verdict = schema_verdict(cfg.database_url)
    except Exception as exc:  # unreachable, refused TLS, bad credentials: say which, no trace
        fail(f"cannot read the schema of {mask_url(cfg.database_url)}: {type(exc).__name__}: {exc}")
    if not verdict.serves:
        fail(verdict.message or "the database schema cannot be served by this code")
    if verdict.message is not None:
        logging.getLogger("sessionary.schema").warning("%s", verdict.message)
        typer.echo(verdict.message)


def _prepare(cfg: Settings) -> None:
    _check_schema(cfg)
    try:
        issued = _bootstrap()
    except SealError as exc:
        fail(f"{exc}. Set SESSIONARY_SECRET_KEY to the key these secrets were sealed with.")
    if issued is not None:
        typer.echo("Bootstrap operator key (shown once; it can create tenants and keys):")
        typer.echo(f"  {issued.secret}")


def serve(
    host: str = typer.Option(None, help="Address to bind (default SESSIONARY_HOST)."),
    port: int = typer.Option(None, help="Port (default SESSIONARY_PORT)."),
    workers: int = typer.Option(None, help="Worker processes (default SESSIONARY_WORKERS)."),
) -> None:
    """Serve the API (and every mounted dialect) with granian."""
    cfg = settings(host=host, port=port, workers=workers)
    log_config = configure_logging(resolve_format(cfg.log_format, cfg.environment), cfg.log_level)
    sock = _listen(cfg)  # first: a taken port fails before anything else happens
    _prepare(cfg)
    for key, value in (("HOST", cfg.host), ("PORT", cfg.port), ("WORKERS", cfg.workers)):
        os.environ[f"SESSIONARY_{key}"] = str(value)
    typer.echo(f"serving on http://{cfg.host}:{cfg.port} with {cfg.workers} worker(s)")
    server = _granian(cfg, sock, log_config)
    guard_forked_workers()  # workers must not outlive this process
    with multiprocess_metrics(cfg.workers):  # set before any worker imports prometheus_client
        server.serve()


def _granian(cfg: Settings, sock: socket.socket, log_config: dict[str, Any]) -> Any:
    from granian.http import HTTP1Settings

    return exclusive_granian(
        sock,
        target="sessionary.http.asgi:app_factory",
        factory=True,
        address=cfg.host,
        port=cfg.port,
        interface="asgi",
        workers=cfg.workers,
        loop=cfg.event_loop,
        log_level=cfg.log_level.lower(),
        log_dictconfig=log_config,  # each worker logs like this process (fork or spawn)
        log_access=False,  # the app writes its own access line, with route and request id
        backlog=cfg.http_backlog,
        backpressure=cfg.http_max_connections,
        http="1",  # HTTP/1.1 only: its header timeout is what bounds a slow client's headers
        http1_settings=HTTP1Settings(header_read_timeout=int(cfg.http_header_timeout_s * 1000)),
    )
