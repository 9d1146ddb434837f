"""Start Game: Gen A ``api/startgame`` (MEMB_ID + HASH + body hash) and Gen B ``/v4/StartGame``
(body token). Opens a game session for player + game, superseding the previous one, and
returns a launch URL carrying a fresh game-session token."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, post

from ....dialects.casino.partners import GAME_TOKEN, PLAYER, Partner, game_exists
from ....services.credentials import NewCredential
from ....services.registry import Services
from ....services.sessions import OpenRequest
from ...proxy import base_url
from .close import gen_a_partner
from .errors import GenBError, bad_game, no_argument, success
from .inputs import actor, body_of, text, user_id
from .partners import partner_for

AnyRequest = Request[Any, Any, Any]
DIALECT = "casino"


async def launch(
    request: AnyRequest, c: Services, partner: Partner, user: str, game: str, body: dict[str, Any]
) -> str:
    token = str(uuid.uuid4())
    key = NewCredential(
        tenant_pk=partner.tenant_pk,
        scopes=(),
        kind=GAME_TOKEN,
        secret=token,
        attributes={"user_id": user, "game_id": game, "secure_login": partner.secure_login},
    )
    state = {
        k: body[k]
        for k in ("currency", "language", "laguage", "sessionId", "sessionid", "lobbyURL")
        if isinstance(body.get(k), str)
    }
    req = OpenRequest(
        subject_kind=PLAYER,
        subject_id=partner.player(user),
        scope=game,
        supersede=True,
        dialect=DIALECT,
        id=str(uuid.uuid4()),
        state=state,
        bound_key=key,
    )
    await c.sessions.open(partner.tenant_pk, req, actor(request, partner))
    prefix = c.settings.casino_prefix
    return f"{base_url(request)}{prefix}/game/launch?token={token}"


@post("/api/startgame", status_code=200)
async def start_game_a(request: AnyRequest, c: Services) -> Response[bytes]:
    body = await body_of(request)
    if body is None:
        raise no_argument()
    user, game = user_id(body, "externalPlayerId", "userId"), text(body, "gameid", "gameId")
    if text(body, "secureLogin") is None or text(body, "hash") is None or not (user and game):
        raise no_argument()
    partner = await gen_a_partner(request, c, body)
    if await game_exists(c, partner, game) is None:
        raise bad_game()
    return success(url=await launch(request, c, partner, user, game, body))


@post("/v4/startgame", status_code=200)
async def start_game_b(request: AnyRequest, c: Services) -> Response[bytes]:
    body = await body_of(request)
    if body is None:
        raise GenBError(21)
    user, game = user_id(body, "userId"), text(body, "gameId")
    if text(body, "secureLogin") is None or text(body, "token") is None or not (user and game):
        raise GenBError(21)
    partner = await partner_for(c, text(body, "secureLogin"), text(body, "token"))
    if partner is None:
        raise GenBError(54)
    if await game_exists(c, partner, game) is None:
        raise GenBError(20)
    return success(url=await launch(request, c, partner, user, game, body))
