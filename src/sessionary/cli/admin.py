"""``sessionary tenants`` and ``sessionary keys``."""

from __future__ import annotations

import typer

from ..bootstrap import Container
from ..domain.model import Tenant, TenantPolicy
from ..domain.scopes import SYSTEM
from ..services.credentials import IssuedCredential, NewCredential
from .common import CLI_ACTOR, JsonOption, emit_json, emit_table, fail, run
from .present import iso

tenants_app = typer.Typer(help="Tenants (isolated customers).", no_args_is_help=True)
keys_app = typer.Typer(help="API credentials.", no_args_is_help=True)


@tenants_app.command("create")
def tenants_create(
    name: str,
    idle_timeout_s: int = typer.Option(None, min=1, help="Default idle timeout."),
    max_lifetime_s: int = typer.Option(None, min=1, help="Default absolute lifetime."),
    json: bool = JsonOption,
) -> None:
    """Create a tenant."""
    policy = TenantPolicy(idle_timeout_s=idle_timeout_s, max_lifetime_s=max_lifetime_s)

    async def work(c: Container) -> Tenant:
        return await c.tenants.create(name, policy, CLI_ACTOR)

    tenant = run(work)
    if json:
        emit_json({"id": tenant.id, "name": tenant.name})
    else:
        typer.echo(f"created tenant {tenant.name} ({tenant.id})")


@tenants_app.command("list")
def tenants_list(json: bool = JsonOption) -> None:
    """List tenants."""

    async def work(c: Container) -> list[Tenant]:
        return await c.tenants.list()

    rows = run(work)
    if json:
        emit_json([{"id": t.id, "name": t.name, "created_at": iso(t.created_at)} for t in rows])
        return
    emit_table(
        "tenants", ["id", "name", "created"], [(t.id, t.name, iso(t.created_at)) for t in rows]
    )


@keys_app.command("create")
def keys_create(
    tenant: str = typer.Option(None, help="Tenant name or id."),
    scope: list[str] = typer.Option([], "--scope", help="Scope; repeat for several."),
    name: str = typer.Option(None, help="A label for the key."),
    operator: bool = typer.Option(False, help="An operator (system) key with no tenant."),
    json: bool = JsonOption,
) -> None:
    """Create a key; its secret is printed once and stored only as a digest."""
    if operator == (tenant is not None):
        fail("give exactly one of --tenant NAME or --operator")
    scopes = tuple(scope) or ((SYSTEM,) if operator else ())
    if not scopes:
        fail("give at least one --scope")

    async def work(c: Container) -> IssuedCredential:
        tenant_pk = None if operator else (await c.tenants.find(tenant)).pk
        new = NewCredential(tenant_pk=tenant_pk, scopes=scopes, name=name)
        return await c.credentials.issue(new, CLI_ACTOR)

    issued = run(work)
    cred = issued.credential
    if json:
        emit_json(
            {
                "id": cred.id,
                "secret": issued.secret,
                "scopes": list(cred.scopes),
                "tenant": tenant,
                "name": cred.name,
            }
        )
    else:
        typer.echo(f"key {cred.id} ({' '.join(cred.scopes)}); secret, shown once:")
        typer.echo(f"  {issued.secret}")


@keys_app.command("list")
def keys_list(
    tenant: str = typer.Option(None, help="Tenant name or id (omit for operator keys)."),
    json: bool = JsonOption,
) -> None:
    """List keys (never their secrets)."""

    async def work(c: Container) -> list[dict[str, object]]:
        tenant_pk = None if tenant is None else (await c.tenants.find(tenant)).pk
        return [
            {
                "id": k.id,
                "name": k.name,
                "prefix": k.prefix,
                "scopes": list(k.scopes),
                "kind": k.kind,
                "created_at": iso(k.created_at),
                "revoked_at": None if k.revoked_at is None else iso(k.revoked_at),
                "last_used_at": None if k.last_used_at is None else iso(k.last_used_at),
            }
            for k in await c.credentials.list(tenant_pk)
        ]

    rows = run(work)
    if json:
        emit_json(rows)
        return
    columns = ["id", "name", "prefix", "scopes", "kind", "revoked_at", "last_used_at"]
    emit_table(
        "keys",
        columns,
        [
            [r[k] if k != "scopes" else " ".join(r[k]) for k in columns]  # type: ignore[arg-type]
            for r in rows
        ],
    )


@keys_app.command("revoke")
def keys_revoke(
    key_id: str,
    tenant: str = typer.Option(None, help="Tenant name or id (omit for operator keys)."),
    json: bool = JsonOption,
) -> None:
    """Revoke a key. Other nodes stop accepting it within the auth cache TTL (5 s)."""

    async def work(c: Container) -> str:
        tenant_pk = None if tenant is None else (await c.tenants.find(tenant)).pk
        return (await c.credentials.revoke(tenant_pk, key_id, CLI_ACTOR)).id

    revoked = run(work)
    if json:
        emit_json({"id": revoked, "revoked": True})
    else:
        typer.echo(f"revoked {revoked}")
