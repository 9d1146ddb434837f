"""A fifth dialect, "parrot", defined entirely in the test suite: the proof that a dialect
plugs in without touching a core file. It has its own settings (``SESSIONARY_PARROT_*``), a
key kind and its provisioning, two routes with its own error body, a route inside /v1, a CLI
group and a console key card. Installed with
``SESSIONARY_EXTRA_DIALECTS=tests.http.plugin_dialect:DIALECT``."""

from __future__ import annotations

import secrets
from typing import Any

import typer
from litestar import Request, Response, Router, get
from litestar.di import Provide
from litestar.exceptions import HTTPException
from pydantic_settings import BaseSettings, SettingsConfigDict

from sessionary.bootstrap import Container
from sessionary.cli.common import CLI_ACTOR, emit_json, run
from sessionary.config import Settings
from sessionary.dialects.descriptor import (
    Dialect,
    FormValues,
    Issued,
    KeyField,
    KeyKind,
    Mount,
)
from sessionary.domain.errors import DomainError, Unauthenticated
from sessionary.domain.model import Actor, Tenant
from sessionary.http.deps import provide_services
from sessionary.services.credentials import NewCredential
from sessionary.services.registry import Services

KIND = "parrot"


class ParrotSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SESSIONARY_PARROT_", extra="ignore")

    prefix: str = "/parrot"
    word: str = "polly"


# Provisioning: a parrot key is a credential of kind "parrot" with a nickname.
async def create_key(c: Services, tenant: str, nickname: str, actor: Actor) -> str:
    found = await c.tenants.find(tenant)
    secret = "parrot-" + secrets.token_hex(8)
    attributes = {"nickname": nickname}
    new = NewCredential(
        tenant_pk=found.pk, scopes=(), kind=KIND, attributes=attributes, secret=secret
    )
    await c.credentials.issue(new, actor)
    return secret


# HTTP: its routes and its own error body, {"squawk": ..., "code": ...}.
class Squawk(Exception):
    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status, self.text = status, text


def render(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if isinstance(exc, Squawk):
        status, text = exc.status, exc.text
    elif isinstance(exc, DomainError):
        status, text = 401 if isinstance(exc, Unauthenticated) else 400, exc.message
    elif isinstance(exc, HTTPException):
        status, text = exc.status_code, "no such perch"
    else:
        status, text = 500, "feathers everywhere"
    return Response({"squawk": text, "code": status}, status_code=status)


@get("/say/{times:int}")
async def say(times: int, settings: ParrotSettings) -> dict[str, Any]:
    if not 1 <= times <= 3:
        raise Squawk(422, "a parrot repeats one to three times")
    return {"said": " ".join([settings.word] * times)}


@get("/whoami")
async def whoami(request: Request[Any, Any, Any], c: Container) -> dict[str, Any]:
    principal = await c.auth.authenticate(request.headers.get("x-parrot-key", ""))
    if principal.kind != KIND:
        raise Squawk(403, "not a parrot key")
    return {"nickname": dict(principal.attributes)["nickname"], "tenant_pk": principal.tenant_pk}


@get("/parrot/ping")
async def native_ping() -> dict[str, str]:
    return {"pong": KIND}


def mount(settings: Settings) -> list[Mount]:
    own = ParrotSettings()
    router = Router(
        own.prefix,
        route_handlers=[say, whoami],
        dependencies={
            "c": Provide(provide_services, sync_to_thread=False),
            "settings": Provide(lambda: own, sync_to_thread=False),
        },
        include_in_schema=False,
    )
    return [Mount(own.prefix, router, render)]


# CLI: ``sessionary parrot keys-create --tenant T --nickname N``.
def cli() -> typer.Typer:
    app = typer.Typer(help="The parrot test dialect.", no_args_is_help=True)

    @app.command("keys-create")
    def keys_create(tenant: str = typer.Option(...), nickname: str = typer.Option(...)) -> None:
        async def work(c: Services) -> str:
            return await create_key(c, tenant, nickname, CLI_ACTOR)

        emit_json({"api_key": run(work), "nickname": nickname})

    @app.command("hello")
    def hello() -> None:
        emit_json({"said": ParrotSettings().word})

    return app


# Console: a card on the keys page.
async def issue(c: Services, tenant: Tenant, form: FormValues, actor: Actor) -> Issued:
    secret = await create_key(c, tenant.name, form.get("nickname") or "polly", actor)
    return Issued(None, [("Parrot key", secret)])


NICKNAME = KeyField("nickname", "Nickname", "parrot-nickname", max_length=40)

DIALECT = Dialect(
    name=KIND,
    mount=mount,
    native_routes=lambda: [native_ping],
    cli=cli,
    keys=(KeyKind(KIND, "Parrot key", (NICKNAME,), issue),),
    provisioning={"create_key": create_key},
)
