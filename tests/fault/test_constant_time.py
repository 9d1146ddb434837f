"""Secrets, digests and signatures are compared in constant time: an AST scan finds every ``==``
on a secret-looking value in src (each remaining one is listed here with why it is safe), and
the verifying functions are checked to call ``hmac.compare_digest``."""

from __future__ import annotations

import ast
import hashlib
import hmac
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sessionary.http.dialects.casino import signing
from sessionary.services import credentials, passwords
from tests.conftest import Api

SRC = Path(__file__).resolve().parents[2] / "src" / "sessionary"
SECRETISH = re.compile(r"secret|digest|hash|signature|password|token|api_?key|hmac", re.I)
# (file, comparison) -> why a plain comparison is right there.
REVIEWED = {
    ("http/dialects/rufus/passings.py", "token_session.upper() == session.id"): "a public id",
    ("http/dialects/casino/game_api.py", "principal.kind != GAME_TOKEN"): "a constant kind",
    ("http/dialects/pagos/tokens.py", "principal.kind != TOKEN"): "a constant kind",
    ("storage/repositories/credentials.py", "c.c.digest == bindparam('digest')"): (
        "index lookup by SHA-256 of a 192-bit secret: timing reveals nothing usable"
    ),
    ("client/_base.py", "api_key != api_key.strip()"): "a whitespace check, not a comparison",
}


def _plain_comparisons() -> set[tuple[str, str]]:
    found = set()
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Compare):
                continue
            if not any(isinstance(op, ast.Eq | ast.NotEq) for op in node.ops):
                continue
            operands = [node.left, *node.comparators]
            if any(isinstance(o, ast.Constant) and o.value is None for o in operands):
                continue
            names = [
                n.id if isinstance(n, ast.Name) else n.attr
                for o in operands
                for n in ast.walk(o)
                if isinstance(n, ast.Name | ast.Attribute)
            ]
            if any(SECRETISH.search(name) for name in names):
                found.add((path.relative_to(SRC).as_posix(), ast.unparse(node)))
    return found


def test_no_secret_digest_or_signature_is_compared_with_plain_equality() -> None:
    unreviewed = _plain_comparisons() - set(REVIEWED)
    assert not unreviewed, f"compare these with hmac.compare_digest: {sorted(unreviewed)}"


@pytest.fixture
def compared(monkeypatch: pytest.MonkeyPatch) -> list[tuple[object, object]]:
    """Every call of hmac.compare_digest, wherever it is called from."""
    calls: list[tuple[object, object]] = []
    original = hmac.compare_digest

    def recording(a: Any, b: Any) -> bool:
        calls.append((a, b))
        return original(a, b)

    monkeypatch.setattr(hmac, "compare_digest", recording)
    return calls


@pytest.mark.parametrize(
    "check",
    [
        lambda: credentials.digests_match("a" * 64, "b" * 64),
        lambda: signing.verify({"a": "1"}, "secret", "0" * 32),
        lambda: passwords.verify_password("x" * 64, passwords.hash_password("y" * 64)),
    ],
    ids=["credential digests", "casino signature", "hivemp password"],
)
def test_each_verifier_compares_with_hmac_compare_digest(
    compared: list[tuple[object, object]], check: Callable[[], bool]
) -> None:
    assert check() is False
    assert compared, "the comparison is not hmac.compare_digest"


async def test_every_authenticated_request_compares_the_key_digest_in_constant_time(
    api: Api, compared: list[tuple[object, object]]
) -> None:
    secret = api.headers["Authorization"].removeprefix("Bearer ")
    response = await api.client.get("/v1/tenant", headers=api.headers)
    assert response.status_code == 200
    key = hashlib.sha256(secret.encode()).hexdigest().encode()
    assert any(key in (a, b) for a, b in compared), "the key digest was compared with =="
    refused = await api.client.get("/v1/tenant", headers={"X-API-Key": secret + "x"})
    assert refused.status_code == 401
