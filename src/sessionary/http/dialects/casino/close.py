"""Close Session, both generations on one path (spec §2, §2.1, §5).

Gen A (``?MEMB_ID=&HASH=`` plus a body ``hash``) checks, in order: JSON, required fields (V.1),
partner and token (G.0), body hash (G.0), gameId (G.1). Gen B authenticates by body
``secureLogin`` + ``token`` and answers numeric codes with HTTP 200. Closing is idempotent."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, post

from ....dialects.casino.partners import PLAYER, Partner, game_exists
from ....domain.errors import InvalidInput, SubjectNotFound
from ....services.registry import Services
from .errors import GenBError, auth_failed, bad_game, no_argument, success
from .inputs import BAD, actor, body_of, clear_history, text, user_id
from .partners import partner_for
from .signing import verify

AnyRequest = Request[Any, Any, Any]


async def gen_a_partner(request: AnyRequest, c: Services, body: dict[str, Any]) -> Partner:
    """MEMB_ID + HASH (the static token), secureLogin == MEMB_ID, then the body hash."""
    memb = request.query_params.get("MEMB_ID")
    partner = await partner_for(c, memb, request.query_params.get("HASH"))
    if partner is None or body.get("secureLogin") != memb:
        raise auth_failed()
    if not verify(body, partner.secret, str(body["hash"])):
        raise auth_failed()
    return partner


async def close_player(
    request: AnyRequest, c: Services, partner: Partner, user: str, game: str | None, clear: int
) -> None:
    """Every live game session of the player (or of that game) ends and its token dies;
    ``clear`` cancels the rounds still in progress in that scope."""
    await c.sessions.close_for_subject(
        partner.tenant_pk,
        PLAYER,
        partner.player(user),
        game,
        actor(request, partner),
        cancel_pending=clear == 1,
    )


async def player_known(c: Services, partner: Partner, user: str) -> bool:
    try:
        await c.subjects.get(partner.tenant_pk, PLAYER, partner.player(user))
    except (SubjectNotFound, InvalidInput):  # InvalidInput: an id no player can have (U+0000)
        return False
    return True


async def _gen_a(request: AnyRequest, c: Services) -> Response[bytes]:
    body = await body_of(request)
    if body is None:
        raise no_argument()
    user = user_id(body, "userId", "externalPlayerId")
    clear, game = clear_history(body), body.get("gameId")
    if text(body, "secureLogin") is None or text(body, "hash") is None or user is None:
        raise no_argument()
    if clear == BAD or (game is not None and not isinstance(game, str)):
        raise no_argument()
    partner = await gen_a_partner(request, c, body)
    if game and await game_exists(c, partner, game) is None:
        raise bad_game()
    await close_player(request, c, partner, user, game or None, clear)
    return success()


async def _gen_b(request: AnyRequest, c: Services) -> Response[bytes]:
    body = await body_of(request)
    if body is None:
        raise GenBError(21)
    user, clear, game = user_id(body, "userId"), clear_history(body), body.get("gameId")
    if text(body, "secureLogin") is None or text(body, "token") is None:
        raise GenBError(21)
    if user is None or clear == BAD:
        raise GenBError(21)
    if game is not None and not isinstance(game, str):
        raise GenBError(21)
    partner = await partner_for(c, text(body, "secureLogin"), text(body, "token"))
    if partner is None:
        raise GenBError(54)
    if game and await game_exists(c, partner, game) is None:
        raise GenBError(20)
    if not await player_known(c, partner, user):
        raise GenBError(12)  # Gen B names unknown players (spec §5); Gen A stays idempotent
    await close_player(request, c, partner, user, game or None, clear)
    return success()


@post("/v4/closesession", status_code=200)
async def close_session(request: AnyRequest, c: Services) -> Response[bytes]:
    if "MEMB_ID" in request.query_params or "HASH" in request.query_params:
        return await _gen_a(request, c)
    return await _gen_b(request, c)
