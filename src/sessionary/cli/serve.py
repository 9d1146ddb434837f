"""``sessionary serve``: bootstrap key on a fresh database, then granian workers."""

from __future__ import annotations

import logging
import os
import socket
from typing import Any

import typer
from rich.markup import escape

from ..bootstrap import Container
from ..config import Settings
from ..http import draining
from ..http.supervision import guard_forked_workers
from ..observability.logs import configure_logging, resolve_format
from ..observability.multiproc import multiprocess_metrics
from ..services.credentials import IssuedCredential
from ..services.sealing import SealError, check_sealed
from ..storage.migrate import schema_verdict
from ..storage.pgurl import mask_url
from .common import fail, run, settings
from .listener import PortTaken, bind_exclusive, exclusive_granian
from .startup import deliver_key


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
    if not cfg.secret_keys:  # here, once per start: not in each worker, not in CLI commands
        logging.getLogger("sessionary.sealing").warning(
            "SESSIONARY_SECRET_KEY is not set; sealing secrets with a development key"
        )
    if issued is not None:
        deliver_key(cfg, issued.secret, issued.credential.id, "Bootstrap operator key")


def serve(
    host: str = typer.Option(None, help="Address to bind (default SESSIONARY_HOST)."),
    port: int = typer.Option(None, help="Port (default SESSIONARY_PORT)."),
    workers: int = typer.Option(None, help="Worker processes (default SESSIONARY_WORKERS)."),
) -> None:
    """Serve the API (and every mounted dialect) with granian."""
    cfg = settings(host=host, port=port, workers=workers)
    if cfg.otel:  # here, not in each worker, which granian would respawn failing forever
        otel_required()
    log_config = configure_logging(resolve_format(cfg.log_format, cfg.environment), cfg.log_level)
    sock = _listen(cfg)  # first: a taken port fails before anything else happens
    _prepare(cfg)
    for key, value in (("HOST", cfg.host), ("PORT", cfg.port), ("WORKERS", cfg.workers)):
        os.environ[f"SESSIONARY_{key}"] = str(value)
    typer.echo(f"serving on http://{cfg.host}:{cfg.port} with {cfg.workers} worker(s)")
    server = _granian(cfg, sock, log_config)
    guard_forked_workers()  # workers must not outlive this process
    draining.share()  # before the fork: the workers read the drain phase the supervisor sets
    with multiprocess_metrics(cfg.workers):  # set before any worker imports prometheus_client
        server.serve()


def otel_required() -> None:
    from ..observability.tracing import TracingUnavailable, require

    try:
        require()
    except TracingUnavailable as exc:
        fail(escape(str(exc)))  # rich would read "[otel]" as markup and drop it


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
        drain_s=cfg.drain_s,
        # After the drain, a worker gets this long to finish its requests and its lifespan
        # shutdown; then it is killed, so a stop is bounded (drain + this + a little).
        workers_kill_timeout=cfg.stop_timeout_s,
        # A worker that dies stops the whole server (exit 1) instead of being replaced in
        # place: the service manager restarts it with a fresh bind, crash loops stay visible,
        # and granian's respawn would stop the old worker without our drain.
        respawn_failed_workers=False,
    )
