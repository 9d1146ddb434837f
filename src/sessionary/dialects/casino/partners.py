"""Partners and the game catalogue.

A partner is a credential of kind ``casino-partner`` inside a tenant (a tenant may run several
sub-brands, each with its own Partner ID). Its secret is the static 36-character token,
stored as SHA-256; the signing secret, which the server must reuse, is sealed at rest.
Players are subjects of kind ``player`` named ``<secureLogin>/<userId>``, so two partners'
players never meet. Games are subjects of kind ``game`` shared by the tenant's partners."""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass

from ...domain.errors import AlreadyExists, InvalidInput, SubjectNotFound
from ...domain.model import Actor, Principal
from ...services.credentials import NewCredential
from ...services.registry import Services

PARTNER, GAME_TOKEN = "casino-partner", "casino-game"
PLAYER, GAME = "player", "game"
MAX_PARTNER_ID = 32  # spec §1: a Partner ID (secureLogin) has at most 32 characters
_LOGIN = re.compile(rf"^[A-Za-z0-9_.-]{{1,{MAX_PARTNER_ID}}}$")


@dataclass(slots=True, frozen=True)
class Partner:
    principal: Principal
    secure_login: str
    secret: str

    @property
    def tenant_pk(self) -> int:
        assert self.principal.tenant_pk is not None
        return self.principal.tenant_pk

    def player(self, user_id: str) -> str:
        return f"{self.secure_login}/{user_id}"


@dataclass(slots=True, frozen=True)
class NewPartner:
    secure_login: str
    token: str
    secret: str


async def create_partner(
    c: Services,
    tenant: str,
    actor: Actor,
    secure_login: str | None = None,
    token: str | None = None,
    secret: str | None = None,
) -> NewPartner:
    """Defaults: a generated Partner ID, a uuid4 token (36 chars), a random secret."""
    found = await c.tenants.find(tenant)
    login = secure_login or f"P{secrets.randbelow(10**8):08d}"
    if not _LOGIN.match(login):
        raise InvalidInput("a Partner ID is 1-32 letters, digits, '.', '_' or '-'")
    if any(
        k.kind == PARTNER and k.attributes.get("secure_login") == login
        for k in await c.credentials.list(found.pk)
    ):
        raise AlreadyExists("this Partner ID exists", secure_login=login)
    token = token or str(uuid.uuid4())
    secret = secret or secrets.token_hex(16)
    attributes = {"secure_login": login, "secret_sealed": c.sealer.seal(secret)}
    new = NewCredential(
        tenant_pk=found.pk,
        scopes=(),
        name=f"casino partner {login}",
        kind=PARTNER,
        attributes=attributes,
        secret=token,
    )
    await c.credentials.issue(new, actor)
    return NewPartner(login, token, secret)


async def add_game(c: Services, tenant: str, game_id: str, name: str, actor: Actor) -> None:
    found = await c.tenants.find(tenant)
    if not re.match(r"^[A-Za-z0-9_.-]{1,100}$", game_id):
        raise InvalidInput("a game id is letters, digits, '.', '_' or '-'")
    await c.subjects.put(found.pk, GAME, game_id, {"name": name}, actor)


async def game_exists(c: Services, partner: Partner, game_id: str) -> str | None:
    """The game's name, or None when the catalogue does not have it."""
    return await game_name(c, partner.tenant_pk, game_id)


async def game_name(c: Services, tenant_pk: int, game_id: str) -> str | None:
    """The catalogue's name of a tenant's game, or None when the catalogue does not have it."""
    try:
        game = await c.subjects.get(tenant_pk, GAME, game_id)
    except SubjectNotFound:
        return None
    return str(game.attributes.get("name", game_id))
