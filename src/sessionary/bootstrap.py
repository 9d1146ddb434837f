"""The composition root: settings -> database -> unit of work -> services.

``http/app.py`` and ``cli.py`` receive a ``Container``; nothing else builds engines."""

from __future__ import annotations

from dataclasses import dataclass

from .config import Settings
from .domain.ports import Clock, StorageProbe, UnitOfWork
from .domain.read_models import ReadModel
from .domain.webhooks import RetryPolicy
from .services.audit import AuditLog
from .services.auth import AuthService
from .services.bulk import BulkGate
from .services.clock import SystemClock
from .services.credentials import CredentialService
from .services.events import EventQueries, EventService
from .services.idempotency import IdempotencyService
from .services.ratelimit import RateLimiter
from .services.registry import Services
from .services.sealing import Sealer
from .services.sessions import SessionService
from .services.stream import LifecycleStream
from .services.subjects import SubjectService
from .services.sweeper import Sweeper
from .services.tenants import TenantService
from .services.usage import UsageService
from .services.webhook_delivery import DeliverySettings, HttpxSender, WebhookDispatcher
from .services.webhook_targets import TargetPolicy
from .services.webhooks import WebhookService
from .services.work import WorkService
from .storage.database import Database, open_database
from .storage.read_model import SqlReadModel


@dataclass(slots=True)
class Container(Services):
    """Every service (what ``Services`` declares, all that the HTTP layer may use) and the
    database they share, which only the CLI, the tests and shutdown reach."""

    settings: Settings
    database: Database
    clock: Clock
    sessions: SessionService
    events: EventService
    event_queries: EventQueries
    credentials: CredentialService
    tenants: TenantService
    subjects: SubjectService
    auth: AuthService
    usage: UsageService
    sweeper: Sweeper
    idempotency: IdempotencyService
    limiter: RateLimiter
    sealer: Sealer
    work: WorkService
    audit: AuditLog
    webhooks: WebhookService
    dispatcher: WebhookDispatcher
    stream: LifecycleStream
    bulk: BulkGate
    read_model: ReadModel
    probe: StorageProbe

    async def close(self) -> None:
        await self.dispatcher.close()
        await self.database.dispose()


def open_storage(settings: Settings) -> Database:
    if settings.is_sqlite:
        return open_database(
            settings.database_url,
            synchronous=settings.sqlite_synchronous,
            busy_timeout_ms=settings.sqlite_busy_timeout_ms,
        )
    return open_database(
        settings.database_url,
        pool_size=settings.pg_pool_size,
        max_overflow=settings.pg_max_overflow,
        timeout_s=settings.db_timeout_s,
        statement_cache=settings.pg_pool_mode == "session",
    )


def build(settings: Settings, clock: Clock | None = None) -> Container:
    database = open_storage(settings)
    clock = clock or SystemClock()

    def uow(*, write: bool = True) -> UnitOfWork:
        return database.unit_of_work(write=write)

    sealer = Sealer(settings.secret_keys)
    targets = TargetPolicy(settings.webhook_allowed_networks)
    webhooks = WebhookService(uow, clock, sealer, targets, settings.webhook_secret_overlap_s)

    return Container(
        settings=settings,
        database=database,
        clock=clock,
        sessions=SessionService(uow, clock),
        events=EventService(uow, clock, settings.max_event_batch),
        event_queries=EventQueries(uow),
        credentials=CredentialService(uow, clock),
        tenants=TenantService(uow, clock),
        subjects=SubjectService(uow, clock),
        auth=AuthService(uow, clock, settings.auth_cache_ttl_s),
        usage=UsageService(uow, clock),
        sweeper=Sweeper(
            uow,
            clock,
            settings.sweep_batch,
            settings.webhook_keep_delivered_days,
            database.refresh_statistics,
            settings.credential_purge_grace_days,
        ),
        idempotency=IdempotencyService(uow, clock, sealer),
        limiter=RateLimiter(settings.rate_limit_per_s, settings.rate_limit_burst),
        sealer=sealer,
        work=WorkService(uow, clock),
        audit=AuditLog(uow),
        webhooks=webhooks,
        stream=LifecycleStream(uow),
        bulk=BulkGate(settings.bulk_concurrency),
        read_model=SqlReadModel(database),
        probe=database,
        dispatcher=WebhookDispatcher(
            uow,
            clock,
            webhooks,
            HttpxSender(settings.webhook_timeout_s, targets),
            delivery_settings(settings),
        ),
    )


def enable_tracing(container: Container) -> None:
    """OpenTelemetry spans for every database statement (``SESSIONARY_OTEL``); raises
    ``TracingUnavailable`` when the ``otel`` extra is not installed."""
    from .observability.tracing import tracer_provider
    from .storage.tracing import trace_statements

    trace_statements(container.database, tracer_provider().get_tracer("sessionary.storage"))


def delivery_settings(settings: Settings) -> DeliverySettings:
    return DeliverySettings(
        batch=settings.webhook_batch,
        timeout_s=settings.webhook_timeout_s,
        retry=RetryPolicy(
            max_attempts=settings.webhook_max_attempts,
            base_s=settings.webhook_backoff_base_s,
            max_s=settings.webhook_backoff_max_s,
        ),
    )


def migrate(settings: Settings) -> None:
    from .storage.migrate import upgrade  # Alembic (and Mako, Pygments) only when migrating

    upgrade(settings.database_url)
