"""The RUFUS Cloud dialect (``specs/rufus.md``): devices, timing sessions and passings under
``rufus_prefix`` (and ``/v0`` when ``rufus_at_root``), ``sessionary rufus``, a key card."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..descriptor import Dialect, FormValues, Issued, KeyField, KeyKind, Mount
from .keys import ACCESS_TYPES, create_key

if TYPE_CHECKING:
    import typer

    from ...config import Settings
    from ...domain.model import Actor, Tenant
    from ...services.registry import Services


def _mount(settings: Settings) -> list[Mount]:
    from ...http.dialects.rufus.app import render, rufus_router

    prefixes = [settings.rufus_prefix] + (["/v0"] if settings.rufus_at_root else [])
    return [Mount(prefix, rufus_router(prefix), render) for prefix in prefixes]


def _cli() -> typer.Typer:
    from .cli import rufus_app

    return rufus_app


async def _issue(c: Services, tenant: Tenant, form: FormValues, actor: Actor) -> Issued:
    unbind, alias = form.get("unbind") == "on", form.get("name") or None
    key = await create_key(c, tenant.name, form.get("access").upper(), unbind, alias, actor)
    return Issued(None, [("API key", key.api_key), ("Access type", key.access_type)])


_FIELDS = (
    KeyField("name", "Alias (optional)", "name-rufus"),
    KeyField("access", "Access type", "access", "select", ACCESS_TYPES),
    KeyField("unbind", "may unbind devices", "unbind", "check"),
)

DIALECT = Dialect(
    name="rufus",
    settings_fields=(
        "rufus_prefix",
        "rufus_at_root",
        "rufus_envelope",
        "rufus_max_keys",
    ),
    mount=_mount,
    cli=_cli,
    keys=(KeyKind("rufus", "RUFUS API key", _FIELDS, _issue),),
    provisioning={"create_key": create_key},
)
