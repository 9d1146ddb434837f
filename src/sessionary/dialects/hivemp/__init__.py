"""The HiveMP dialect (``specs/hivemp.md``): user sessions under ``hivemp_root``, account
creation at ``POST /v1/hivemp/accounts``, ``sessionary hivemp`` and a console key card."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..descriptor import Dialect, FormValues, Issued, KeyField, KeyKind, Mount
from .accounts import create_account
from .keys import KEY_TYPES, create_key

if TYPE_CHECKING:
    import typer

    from ...config import Settings
    from ...domain.model import Actor, Tenant
    from ...services.registry import Services


def _mount(settings: Settings) -> list[Mount]:
    from ...http.dialects.hivemp.app import hivemp_router, render

    return [Mount(settings.hivemp_root, hivemp_router(settings.hivemp_root), render)]


def _native_routes() -> Sequence[Any]:
    from ...http.dialects.hivemp import native

    return native.ROUTES


def _cli() -> typer.Typer:
    from .cli import hivemp_app

    return hivemp_app


async def _issue(c: Services, tenant: Tenant, form: FormValues, actor: Actor) -> Issued:
    key_type = form.get("type").lower()
    secret = await create_key(c, tenant.name, key_type, actor)
    return Issued(None, [("API key", secret), ("Type", key_type)])


_TYPE = KeyField("type", "Type", "htype", "select", KEY_TYPES)

DIALECT = Dialect(
    name="hivemp",
    settings_fields=("hivemp_root",),
    mount=_mount,
    native_routes=_native_routes,
    cli=_cli,
    keys=(KeyKind("hivemp", "HiveMP API key", (_TYPE,), _issue),),
    provisioning={"create_key": create_key, "create_account": create_account},
)
