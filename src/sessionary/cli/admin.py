"""``sessionary tenants`` and ``sessionary keys``."""

from __future__ import annotations

import typer

from ..bootstrap import Container
from ..domain import limits
from ..domain.model import Tenant, TenantPolicy
from ..domain.scopes import SYSTEM
from ..services.credentials import IssuedCredential, NewCredential
from ..services.ratelimit import Limit, limit_from_settings
from .common import CLI_ACTOR, JsonOption, emit_json, emit_table, fail, run
from .present import iso

tenants_app = typer.Typer(help="Tenants (isolated customers).", no_args_is_help=True)
keys_app = typer.Typer(help="API credentials.", no_args_is_help=True)


@tenants_app.command("create")
def tenants_create(
    name: str,
    idle_timeout_s: int = typer.Option(
        None, min=1, max=limits.MAX_TIMEOUT_S, help="Default idle timeout."
    ),
    max_lifetime_s: int = typer.Option(
        None, min=1, max=limits.MAX_TIMEOUT_S, help="Default absolute lifetime."
    ),
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


@tenants_app.command("update")
def tenants_update(
    name: str,
    rate_limit_per_s: float = typer.Option(
        None, min=0, help="Calls a second per credential (0: unlimited)."
    ),
    rate_limit_burst: int = typer.Option(None, min=1, help="Calls a credential may burst."),
    default_rate_limit: bool = typer.Option(
        False, "--default-rate-limit", help="Drop the override: use SESSIONARY_RATE_LIMIT_*."
    ),
    json: bool = JsonOption,
) -> None:
    """Set a tenant's per-credential rate limit. A running server applies it within the auth
    cache TTL (SESSIONARY_AUTH_CACHE_TTL_S); an unset half keeps its current value."""
    given = rate_limit_per_s is not None or rate_limit_burst is not None
    if given == default_rate_limit:
        fail("give --rate-limit-per-s and/or --rate-limit-burst, or --default-rate-limit")

    async def work(c: Container) -> tuple[Tenant, Limit]:
        tenant = await c.tenants.find(name)
        limit = None
        if given:
            current = limit_from_settings(tenant.settings) or c.limiter.default
            per_s = current.per_s if rate_limit_per_s is None else rate_limit_per_s
            burst = current.burst if rate_limit_burst is None else rate_limit_burst
            limit = Limit(per_s, burst)
        tenant = await c.tenants.set_rate_limit(tenant.pk, limit, CLI_ACTOR)
        return tenant, limit or c.limiter.default

    tenant, limit = run(work)
    source = "default" if default_rate_limit else "tenant"
    rate_limit = {"per_s": limit.per_s, "burst": limit.burst, "source": source}
    if json:
        emit_json({"id": tenant.id, "name": tenant.name, "rate_limit": rate_limit})
    else:
        typer.echo(
            f"tenant {tenant.name}: {limit.per_s:g}/s, burst {limit.burst} ({source} rate limit)"
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
