"""The casino dialect (``specs/casino.md``): game sessions, rounds and hash-signed close under
``casino_prefix`` (paths case-insensitive), ``sessionary casino`` and a partner card."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..descriptor import Dialect, FormValues, Issued, KeyField, KeyKind, Mount
from .partners import MAX_PARTNER_ID, add_game, create_partner

if TYPE_CHECKING:
    import typer
    from litestar import Litestar

    from ...config import Settings
    from ...domain.model import Actor, Tenant
    from ...services.registry import Services


def _mount(settings: Settings) -> list[Mount]:
    from ...http.dialects.casino.app import casino_router, render

    return [Mount(settings.casino_prefix, casino_router(settings.casino_prefix), render)]


def _wrap(app: Litestar, settings: Settings) -> None:
    from ...http.dialects.casino.app import fold_paths

    fold_paths(app, settings.casino_prefix)


def _cli() -> typer.Typer:
    from .cli import casino_app

    return casino_app


async def _issue(c: Services, tenant: Tenant, form: FormValues, actor: Actor) -> Issued:
    login = form.get("secure_login") or None
    partner = await create_partner(c, tenant.name, actor, secure_login=login)
    shown = [("Partner ID (secureLogin)", partner.secure_login), ("Token", partner.token)]
    return Issued(None, [*shown, ("Signing secret", partner.secret)])


_LOGIN = KeyField("secure_login", "Partner ID (optional)", "login", max_length=MAX_PARTNER_ID)

DIALECT = Dialect(
    name="casino",
    settings_fields=("casino_prefix",),
    mount=_mount,
    wrap=_wrap,
    cli=_cli,
    keys=(KeyKind("casino", "Casino partner", (_LOGIN,), _issue),),
    provisioning={"create_partner": create_partner, "add_game": add_game},
)
