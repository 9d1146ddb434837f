"""Wire models of ``POST /v1/hivemp/accounts`` (no litestar here: the client shares them)."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct


class AccountIn(Struct, forbid_unknown_fields=True, kw_only=True):
    email: Annotated[str, Meta(min_length=3, max_length=320)]
    password: Annotated[str, Meta(min_length=1, max_length=1024)]
    admin: bool = False


class AccountOut(Struct):
    id: str
    email: str
    admin: bool
