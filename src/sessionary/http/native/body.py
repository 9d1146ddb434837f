"""Strict request-body decoding: bytes to a model in one msgspec pass, no type coercion."""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec
from litestar import Request

from ...domain.errors import InvalidInput

T = TypeVar("T")
MAX_STATE_BYTES = 64 * 1024


class MalformedBody(InvalidInput):
    code = "malformed-json"


class UnsupportedMediaType(InvalidInput):
    code = "unsupported-media-type"


async def decode_body(
    request: Request[Any, Any, Any], model: type[T], *, optional: bool = False
) -> T:
    ctype = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    body = await request.body()
    if optional and not body.strip():
        body = b"{}"
    if ctype and ctype != "application/json" and not ctype.endswith("+json"):
        raise UnsupportedMediaType("send the body as application/json", content_type=ctype)
    try:
        return msgspec.json.decode(body, type=model, strict=True)
    except msgspec.ValidationError as exc:
        raise InvalidInput(f"the request body is not valid: {exc}") from exc
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
        # msgspec raises the last two for invalid UTF-8 in a string and for very deep nesting
        raise MalformedBody(f"the request body is not valid JSON: {exc}") from exc


def check_state_size(state: dict[str, Any]) -> None:
    if len(msgspec.json.encode(state)) > MAX_STATE_BYTES:
        raise InvalidInput(f"state is limited to {MAX_STATE_BYTES} bytes of JSON", field="state")
