"""RUFUS request bodies. Unknown fields are ignored (legacy clients send extras, spec §9.8);
types are checked strictly, so ``"num_passing": "x"`` is a 400."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct

from ...bounds import AliasText, Ordinal

Text = Annotated[str, Meta(max_length=200)]
Token = Annotated[str, Meta(max_length=100)]
Coordinate = str | float | int | None


class DeviceIn(Struct, kw_only=True):
    model: Text | None = None
    serial_number: Text | None = None
    alias: Text | None = None
    firmware: Text | None = None
    type: Text | None = None


class SessionIn(Struct, kw_only=True):
    deviceid: Token | None = None
    alias: AliasText | None = None  # stored in the session's alias column


class PassingIn(Struct, kw_only=True):
    bib: Text | int | None = None
    num_passing: Ordinal | None = None
    timestamp: Text | None = None
    latitude: Coordinate = None
    longitude: Coordinate = None
    status: Text | None = None
    participant_id: Text | None = None
    chip: Text | None = None
    chips: Text | None = None
    timezone: Text | None = None
    gender: Text | None = None


class PassingsIn(Struct, kw_only=True):
    token_session: Token | None = None
    passings_list: list[PassingIn] | None = None
