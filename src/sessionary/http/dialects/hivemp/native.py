"""Native admin API for HiveMP accounts: ``POST /v1/hivemp/accounts`` (admin scope)."""

from __future__ import annotations

from typing import Any

from litestar import post

from ....dialects.hivemp.accounts import create_account
from ....domain.model import Actor, Principal
from ....domain.scopes import ADMIN
from ....services.registry import Services
from ...deps import AnyRequest, tenant_of
from ...native.body import decode_body
from .account_structs import AccountIn, AccountOut


@post(
    "/hivemp/accounts",
    status_code=201,
    opt={"scope": ADMIN, "body": AccountIn},
    tags=["dialects"],
)
async def create_hivemp_account(
    request: AnyRequest, c: Services, principal: Principal, actor: Actor
) -> AccountOut:
    """Create a HiveMP account (email + password) that PUT /authenticate accepts."""
    body = await decode_body(request, AccountIn)
    account = await create_account(
        c, tenant_of(principal), body.email, body.password, body.admin, actor
    )
    return AccountOut(account.external_id, str(account.attributes["email"]), body.admin)


ROUTES: list[Any] = [create_hivemp_account]
