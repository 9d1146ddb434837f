"""The SpreadsheetWEB/Pagos dialect (``specs/pagos.md``): ``/token`` and dedicated sessions
under ``pagos_prefix``, ``sessionary pagos`` and a console card for clients."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..descriptor import Dialect, FormValues, Issued, KeyKind, Mount
from .clients import create_application, create_client

if TYPE_CHECKING:
    import typer

    from ...config import Settings
    from ...domain.model import Actor, Tenant
    from ...services.registry import Services


def _mount(settings: Settings) -> list[Mount]:
    from ...http.dialects.pagos.app import pagos_router, render

    return [Mount(settings.pagos_prefix, pagos_router(settings.pagos_prefix), render)]


def _cli() -> typer.Typer:
    from .cli import pagos_app

    return pagos_app


async def _issue(c: Services, tenant: Tenant, form: FormValues, actor: Actor) -> Issued:
    client_id, secret = await create_client(c, tenant.name, actor)
    return Issued(client_id, [("Client Identifier", client_id), ("Client Secret", secret)])


DIALECT = Dialect(
    name="pagos",
    settings_fields=(
        "pagos_prefix",
        "pagos_idle_timeout_s",
        "pagos_max_sessions_per_client",
        "pagos_token_ttl_s",
        "pagos_token_client_per_s",
        "pagos_token_client_burst",
        "pagos_token_source_per_s",
        "pagos_token_source_burst",
        "pagos_max_tokens_per_client",
        "pagos_lockout_max_clients",
    ),
    mount=_mount,
    cli=_cli,
    keys=(KeyKind("pagos", "Pagos client", (), _issue),),
    provisioning={"create_client": create_client, "create_application": create_application},
)
