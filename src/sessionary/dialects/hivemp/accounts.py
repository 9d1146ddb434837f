"""HiveMP accounts: subjects of kind ``account`` (``u-`` + 16 digits) with an email and a
password. Clients send SHA-256("HiveMPv1" + password); we store scrypt of that value."""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets

from ...domain.errors import AlreadyExists, InvalidInput
from ...domain.model import Actor, Subject
from ...services.passwords import hash_password, verify_password
from ...services.registry import Services

ACCOUNT = "account"
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}$")
_HASH = re.compile(r"^[0-9a-f]{64}$")
_DUMMY = hash_password("0" * 64)  # verified against when the email is unknown: same timing


def client_password_hash(password: str) -> str:
    return hashlib.sha256(("HiveMPv1" + password).encode()).hexdigest()


def new_account_id() -> str:
    return f"u-{secrets.randbelow(10**16):016d}"


def normal_email(email: str) -> str:
    return email.strip().lower()


def is_password_hash(value: str) -> bool:
    return bool(_HASH.match(value))


async def create_account(
    c: Services, tenant_pk: int, email: str, password: str, admin: bool, actor: Actor
) -> Subject:
    email = normal_email(email)
    if not _EMAIL.match(email):
        raise InvalidInput("not an email address", field="email")
    if not password:
        raise InvalidInput("the password is empty", field="password")
    if await c.subjects.find_by(tenant_pk, ACCOUNT, "email", email) is not None:
        raise AlreadyExists("an account with this email exists", email=email)
    stored = await asyncio.to_thread(hash_password, client_password_hash(password))
    attributes = {"email": email, "admin": admin, "_password": stored}
    return await c.subjects.put(tenant_pk, ACCOUNT, new_account_id(), attributes, actor)


async def check_credentials(
    c: Services, tenant_pk: int, email: str, password_hash: str
) -> Subject | None:
    """The account when the client's password hash matches, else None (constant work)."""
    account = await c.subjects.find_by(tenant_pk, ACCOUNT, "email", normal_email(email))
    stored = str(account.attributes.get("_password", _DUMMY)) if account else _DUMMY
    ok = await asyncio.to_thread(verify_password, password_hash.lower(), stored)
    return account if ok and account is not None else None
