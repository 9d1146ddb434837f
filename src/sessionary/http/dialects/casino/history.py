"""History and health (spec §4): GetGameRounds (paged, limit <= 1000), GetRoundStatus, and the
health checks. History calls authenticate Gen-B style, with body secureLogin + token; a
partner sees only its own players' rounds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Request, Response, get, post

from ....dialects.casino.partners import PLAYER, Partner, game_exists
from ....domain.errors import SubjectNotFound
from ....domain.ports import WorkFilter
from ....services.registry import Services
from ...timefmt import to_micros_in_range
from .errors import GenBError, success
from .inputs import body_of, text
from .partners import partner_for
from .rounds import STATUS, round_out

AnyRequest = Request[Any, Any, Any]


async def history_partner(request: AnyRequest, c: Services) -> tuple[Partner, dict[str, Any]]:
    body = await body_of(request)
    if body is None or text(body, "secureLogin") is None or text(body, "token") is None:
        raise GenBError(21)
    partner = await partner_for(c, text(body, "secureLogin"), text(body, "token"))
    if partner is None:
        raise GenBError(54)
    return partner, body


def _when(value: Any) -> int | None:
    if value is None:
        return None
    try:
        moment = to_micros_in_range(datetime.fromisoformat(str(value)))
    except ValueError:
        moment = None
    if moment is None:
        raise GenBError(21)
    return moment


def _int(value: Any, default: int, low: int, high: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise GenBError(21)
    number = int(value)
    if not low <= number <= high:
        raise GenBError(21)
    return number


async def _filter(c: Services, partner: Partner, body: dict[str, Any]) -> WorkFilter | None:
    user, game = text(body, "userId"), text(body, "gameId")
    subject_pk = None
    if user is not None:
        try:
            subject_pk = (await c.subjects.get(partner.tenant_pk, PLAYER, partner.player(user))).pk
        except SubjectNotFound:
            return None
    return WorkFilter(
        subject_pk=subject_pk,
        subject_prefix=partner.player(""),
        scope=game,
        opened_from=_when(body.get("dateStart")),
        opened_to=_when(body.get("dateEnd")),
    )


@post("/history/getgamerounds", status_code=200)
async def get_game_rounds(request: AnyRequest, c: Services) -> Response[bytes]:
    partner, body = await history_partner(request, c)
    page, limit = _int(body.get("page"), 1, 1, 2**31), _int(body.get("limit"), 100, 1, 1000)
    flt = await _filter(c, partner, body)
    if flt is None:
        return success(totalRounds=0, rounds=[])
    items, total = await c.work.find(partner.tenant_pk, flt, (page - 1) * limit, limit)
    names = {g: await game_exists(c, partner, g) for g in {i.scope for i in items if i.scope}}
    return success(
        totalRounds=total, rounds=[round_out(i, names.get(i.scope or "")) for i in items]
    )


@post("/history/getroundstatus", status_code=200)
async def get_round_status(request: AnyRequest, c: Services) -> Response[bytes]:
    partner, body = await history_partner(request, c)
    round_id = text(body, "roundId")
    if round_id is None:
        raise GenBError(21)
    item = await c.work.get(partner.tenant_pk, round_id)
    if item is None or item.data.get("partner") != partner.secure_login:
        raise GenBError(17)
    return success(
        betAmount=item.data.get("bet"),
        winAmount=item.data.get("win"),
        roundStatus=STATUS[item.status],
        currency=item.data.get("currency"),
    )


@post(["/v4/health/heartbeatcheck", "/v4/healthcheck"], status_code=200)
async def heartbeat() -> Response[bytes]:
    return success()


@get("/v4/livetest", status_code=200)
async def livetest() -> Response[bytes]:
    """The game server's check: a bare 200."""
    return Response(content=b"", status_code=200)


ROUTES: list[Any] = [get_game_rounds, get_round_status, heartbeat, livetest]
