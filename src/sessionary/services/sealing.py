"""Secrets the server must reuse (signing secrets) are sealed at rest with Fernet
(AES-128-CBC + HMAC-SHA256) under a key derived from ``SESSIONARY_SECRET_KEY``."""

from __future__ import annotations

import base64
import hashlib
import logging

from cryptography.fernet import Fernet, InvalidToken

log = logging.getLogger("sessionary.sealing")
# Development only: production refuses to start without a real SESSIONARY_SECRET_KEY.
_DEV_KEY = "sessionary-development-key-not-for-production"


class SealError(Exception):
    """A sealed value could not be opened (wrong key or tampered data)."""


class Sealer:
    def __init__(self, secret_key: str | None) -> None:
        if not secret_key:
            log.warning("SESSIONARY_SECRET_KEY is not set; sealing secrets with a development key")
        material = hashlib.sha256((secret_key or _DEV_KEY).encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(material))

    def seal(self, plain: str) -> str:
        return self._fernet.encrypt(plain.encode()).decode()

    def seal_bytes(self, plain: bytes) -> bytes:
        return self._fernet.encrypt(plain)

    def open_bytes(self, sealed: bytes) -> bytes:
        try:
            return self._fernet.decrypt(sealed)
        except InvalidToken as exc:
            raise SealError("a sealed value could not be opened") from exc

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken as exc:
            raise SealError("a sealed secret could not be opened") from exc


async def check_sealed(sealer: Sealer, samples: list[bytes]) -> None:
    """At start: the sealed values in the database open with this key. A wrong key is a
    permanent misconfiguration; served, it would answer every call that needs a secret with a
    "retry" error (casino G.99) instead of refusing to start."""
    failed = 0
    for sealed in samples:
        try:
            sealer.open_bytes(sealed)
        except SealError:
            failed += 1
    if failed:
        raise SealError(
            f"{failed} of {len(samples)} sealed secrets in the database cannot be opened with"
            " the configured SESSIONARY_SECRET_KEY"
        )
