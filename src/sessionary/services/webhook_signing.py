"""The webhook signature schemes (documented in the README for receivers).

Standard Webhooks (https://www.standardwebhooks.com/), which receivers verify with existing
libraries: headers ``webhook-id`` (the delivery's id: the same on every retry),
``webhook-timestamp`` (unix seconds) and ``webhook-signature``, a space-separated list of
``v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>``, one per secret that signs (two
during a rotation's overlap, the new one first). The key is the base64 part of a
``whsec_<base64>`` secret, decoded.

Legacy, deprecated: ``Sessionary-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
"<t>." + body)>``, keyed by the secret string itself. The timestamp is signed with the body in
both, so a receiver can refuse old deliveries (replays)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from secrets import token_bytes

HEADER = "Sessionary-Signature"
SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret
SECRET_BYTES = 32  # the spec asks for 24 to 64 random bytes
_MIN_KEY_BYTES = 24


def new_secret() -> str:
    """A secret in the Standard Webhooks format: ``whsec_`` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(token_bytes(SECRET_BYTES)).decode()


def signing_key(secret: str) -> bytes:
    """The HMAC key of the Standard Webhooks signature. Secrets issued before the scheme was
    adopted (``whsec_`` and URL-safe base64 without padding: never valid standard base64)
    are keyed by their UTF-8 bytes, as the legacy header always was; rotating one issues a
    secret in the standard format."""
    body = secret.removeprefix(SECRET_PREFIX)
    if secret.startswith(SECRET_PREFIX):
        try:
            key = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            key = b""
        if len(key) >= _MIN_KEY_BYTES:
            return key
    return secret.encode()


def standard_signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    content = f"{msg_id}.{timestamp}.".encode() + body
    mac = hmac.new(signing_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def standard_headers(
    secrets: list[str], msg_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The three Standard Webhooks headers; ``secrets`` in signing order (newest first)."""
    signatures = " ".join(standard_signature(s, msg_id, timestamp, body) for s in secrets)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signatures,
    }


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The legacy ``Sessionary-Signature`` value."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, now: int, tolerance_s: int = 300) -> bool:
    """True when ``header`` signs ``body`` with ``secret`` within ``tolerance_s`` of ``now``."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance_s:
        return False
    expected = signature(secret, timestamp, body).split("v1=", 1)[1]
    # bytes: compare_digest refuses str holding non-ASCII (a forged header must be False)
    return hmac.compare_digest(expected.encode(), fields.get("v1", "").encode())
