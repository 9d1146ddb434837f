"""Who is calling: the partner whose static token and Partner ID a request carries."""

from __future__ import annotations

from ....dialects.casino.partners import PARTNER, Partner
from ....domain.errors import Unauthenticated
from ....services.credentials import digest, digests_match
from ....services.registry import Services
from ...deps import throttle
from .errors import TooManyCalls


async def partner_for(c: Services, secure_login: str | None, token: str | None) -> Partner | None:
    """The partner whose token this is, when it also carries this Partner ID."""
    if not secure_login or not token:
        return None
    try:
        principal = await c.auth.authenticate(token)
    except Unauthenticated:
        return None
    attrs = dict(principal.attributes)
    login = str(attrs.get("secure_login", ""))
    if principal.kind != PARTNER or not digests_match(digest(login), digest(secure_login)):
        return None
    refused = await throttle(c, principal)
    if refused is not None:
        raise TooManyCalls(refused.retry_after)
    return Partner(principal, login, c.sealer.open(str(attrs["secret_sealed"])))
