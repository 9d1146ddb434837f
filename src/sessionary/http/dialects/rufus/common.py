"""Helpers shared by the RUFUS routes: strict body decoding, the actor, paging."""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec
from litestar import Request

from ....domain.model import Actor, Principal
from ...deps import actor_of
from ...timefmt import parse_rfc3339
from .errors import bad_request

T = TypeVar("T")
PAGE_SIZE = 5000


async def parse(request: Request[Any, Any, Any], model: type[T]) -> T:
    body = await request.body()
    try:
        return msgspec.json.decode(body or b"{}", type=model)
    except msgspec.ValidationError as exc:
        raise bad_request(f"Invalid request body: {exc}") from None
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        raise bad_request("Malformed JSON body") from None


def actor(request: Request[Any, Any, Any], principal: Principal) -> Actor:
    return actor_of(request, principal, "rufus")


def tenant_of(principal: Principal) -> int:
    assert principal.tenant_pk is not None  # provide_rufus_principal refuses tenantless keys
    return principal.tenant_pk


def time_param(value: str | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    parsed = parse_rfc3339(value)
    if parsed is None:
        raise bad_request(f"{name} must be a date-time like 2023-02-03T16:08:18.263Z")
    return parsed


def page_offset(page: int, size: int = PAGE_SIZE) -> tuple[int, int]:
    if page < 1:
        raise bad_request("page starts at 1")
    return (page - 1) * size, size
