"""Secrets the server must reuse (signing secrets) are sealed at rest with Fernet
(AES-128-CBC + HMAC-SHA256) under keys derived from ``SESSIONARY_SECRET_KEY``.

The setting may list several keys, comma-separated, newest first: a value opens with any of
them (``MultiFernet``) and new seals use the newest, so a key can be rotated without stopping:
add the new key in front, reseal (``sessionary secrets reseal``), then drop the old one."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

# Development only: production refuses to start without a real SESSIONARY_SECRET_KEY.
_DEV_KEY = "sessionary-development-key-not-for-production"
KEY_SEPARATOR = ","


class SealError(Exception):
    """A sealed value could not be opened (wrong key or tampered data)."""


def parse_keys(value: str | None) -> tuple[str, ...]:
    """The keys of a ``SESSIONARY_SECRET_KEY`` value, newest first: split on commas, each
    stripped of surrounding whitespace; empty entries and repeats (after the first) dropped.
    A single key without a comma is itself, so databases sealed before rotation keep opening."""
    keys: list[str] = []
    for part in (value or "").split(KEY_SEPARATOR):
        key = part.strip()
        if key and key not in keys:
            keys.append(key)
    return tuple(keys)


def _fernet(key: str) -> Fernet:
    # One key's derivation, unchanged since the first release: existing databases keep opening.
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest()))


class Sealer:
    def __init__(self, secret_key: str | Sequence[str] | None) -> None:
        keys = parse_keys(secret_key) if isinstance(secret_key, str | None) else secret_key
        if not keys:  # `serve` warns of it once per start (not every worker or CLI command)
            keys = (_DEV_KEY,)
        fernets = [_fernet(key) for key in keys]
        self._newest = fernets[0]
        self._fernet = MultiFernet(fernets)
        self.key_count = len(fernets)

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

    def is_newest(self, sealed: bytes) -> bool:
        """Whether the newest key alone opens it: no other key is tried, and a value sealed
        under another fails at the HMAC check, before any decryption."""
        try:
            self._newest.decrypt(sealed)
        except InvalidToken:
            return False
        return True

    def reseal(self, sealed: bytes) -> bytes | None:
        """The value sealed under the newest key, or None when it already is."""
        if self.is_newest(sealed):
            return None
        try:
            return self._fernet.rotate(sealed)
        except InvalidToken as exc:
            raise SealError("a sealed value could not be opened") from exc


async def check_sealed(sealer: Sealer, samples: list[bytes]) -> None:
    """At start: the sealed values in the database open with one of the keys. A wrong key is a
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
