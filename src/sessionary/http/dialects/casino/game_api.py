"""The game-side API (our design; the vendor's game client is not public).

A game client authenticates with the game-session token from the launch URL, as the header
``X-Game-Token`` or the query ``token``. The token dies when its session closes, so a closed
session answers 401 ``S.1`` from then on.

- ``GET  {prefix}/game/launch?token=`` / ``GET {prefix}/game/session``: the session and its
  unfinished round, if any (a round left ``InProgress`` is resumed by the next start).
- ``POST {prefix}/game/rounds`` ``{"bet": 1.5, "currency": "USD"}``: start a round (or resume).
- ``POST {prefix}/game/rounds/{roundId}/finish`` ``{"win": 0}``: complete it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from msgspec import Meta, Struct

from ....dialects.casino.partners import GAME_TOKEN, game_name
from ....domain.errors import NotFound, SessionNotActive, Unauthenticated
from ....domain.ports import WorkFilter
from ....domain.session import Session
from ....domain.work import WorkItem, WorkNotOpen, WorkStatus
from ....services.registry import Services
from ...deps import throttle
from .errors import GenAError, TooManyCalls, json_response
from .rounds import round_out

AnyRequest = Request[Any, Any, Any]
DIALECT = "casino"
EXPIRED = GenAError(401, "S.1", "SESSION EXPIRED")


class BetIn(Struct, kw_only=True):
    bet: Annotated[float, Meta(ge=0, le=1e12)]
    currency: Annotated[str, Meta(max_length=8)] | None = None


class WinIn(Struct, kw_only=True):
    win: Annotated[float, Meta(ge=0, le=1e12)]


@dataclass(slots=True, frozen=True)
class GameCaller:
    tenant_pk: int
    session: Session
    user: str
    partner: str


async def game_caller(request: AnyRequest, c: Services) -> GameCaller:
    token = request.headers.get("x-game-token") or request.query_params.get("token")
    try:
        principal = await c.auth.authenticate(token)
    except Unauthenticated:
        raise EXPIRED from None
    if principal.kind != GAME_TOKEN or principal.bound_session_pk is None:
        raise EXPIRED
    refused = await throttle(c, principal)
    if refused is not None:
        raise TooManyCalls(refused.retry_after, gen_a=True)
    session = await c.sessions.get_by_pk(principal.bound_session_pk)
    if session is None or not session.is_live(c.clock.now()) or principal.tenant_pk is None:
        raise EXPIRED
    attrs = dict(principal.attributes)
    return GameCaller(
        principal.tenant_pk, session, str(attrs["user_id"]), str(attrs["secure_login"])
    )


async def _decode(request: AnyRequest, model: type[Any]) -> Any:
    try:
        return msgspec.json.decode(await request.body(), type=model)
    except (
        msgspec.DecodeError,
        msgspec.ValidationError,
        UnicodeDecodeError,
        RecursionError,
    ) as exc:
        raise GenAError(400, "V.1", f"Have no Argument: {exc}") from None


async def _round_out(c: Services, g: GameCaller, item: WorkItem) -> dict[str, Any]:
    """As the history endpoints show it: ``gameName`` from the catalogue."""
    return round_out(item, await game_name(c, g.tenant_pk, item.scope or ""))


@get(["/game/launch", "/game/session"], include_in_schema=True, tags=["casino game API"])
async def game_session(request: AnyRequest, c: Services) -> Response[bytes]:
    """The game session of the token (header X-Game-Token or query token) and its
    unfinished round, if any."""
    g = await game_caller(request, c)
    flt = WorkFilter(subject_pk=g.session.subject_pk, scope=g.session.scope, status=WorkStatus.OPEN)
    open_rounds, _ = await c.work.find(g.tenant_pk, flt, 0, 1)
    return json_response(
        200,
        {
            "sessionId": g.session.id,
            "userId": g.user,
            "gameId": g.session.scope,
            "status": "active",
            "round": await _round_out(c, g, open_rounds[0]) if open_rounds else None,
        },
    )


@post("/game/rounds", status_code=200, include_in_schema=True, tags=["casino game API"])
async def start_round(request: AnyRequest, c: Services) -> Response[bytes]:
    """Start a round with ``{"bet": 1.5, "currency": "USD"}``, or resume the unfinished one."""
    g = await game_caller(request, c)
    bet: BetIn = await _decode(request, BetIn)
    data = {"bet": bet.bet, "currency": bet.currency, "user": g.user, "partner": g.partner}
    try:
        started = await c.work.start(g.tenant_pk, g.session.id, data, dialect=DIALECT)
    except SessionNotActive:
        raise EXPIRED from None
    out = await _round_out(c, g, started.item)
    return json_response(200, {"round": out, "resumed": started.resumed})


@post(
    "/game/rounds/{round_id:str}/finish",
    status_code=200,
    include_in_schema=True,
    tags=["casino game API"],
)
async def finish_round(round_id: str, request: AnyRequest, c: Services) -> Response[bytes]:
    """Complete a round with ``{"win": 2.0}``; only an InProgress round can finish."""
    g = await game_caller(request, c)
    win: WinIn = await _decode(request, WinIn)
    try:
        item = await c.work.finish(g.tenant_pk, g.session.id, round_id, {"win": win.win}, DIALECT)
    except NotFound:
        raise GenAError(404, "R.1", "ROUND NOT FOUND") from None
    except WorkNotOpen:
        raise GenAError(409, "R.2", "ROUND IS NOT IN PROGRESS") from None
    except SessionNotActive:
        raise EXPIRED from None
    return json_response(200, {"round": await _round_out(c, g, item)})


ROUTES: list[Any] = [game_session, start_round, finish_round]
