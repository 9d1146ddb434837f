from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sessionary.config import Settings

from .receiver import Receiver

README = Path(__file__).resolve().parents[2] / "README.md"
Verify = Callable[..., bool]
# The receivers of these tests listen on 127.0.0.1, which the default policy refuses; the
# operator's setting lets them through (tests/webhooks/test_targets.py checks the default).
LOCAL_RECEIVERS = "127.0.0.0/8"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return Settings.model_validate(
        {**settings.model_dump(), "webhook_allowed_networks": LOCAL_RECEIVERS}
    )


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


def readme_verifier() -> Verify:
    """The Standard Webhooks check exactly as the README shows it to receivers."""
    return _readme_function("# Verifying a sessionary webhook", "verify_sessionary_webhook")


def readme_legacy_verifier() -> Verify:
    """The deprecated Sessionary-Signature check exactly as the README shows it."""
    return _readme_function(
        "# Verifying the deprecated Sessionary-Signature", "verify_sessionary_signature"
    )


def _readme_function(first_line: str, name: str) -> Verify:
    block = re.search(rf"```python\n({re.escape(first_line)}.*?)```", README.read_text(), re.S)
    assert block is not None, f"the README's example {name} is missing"
    namespace: dict[str, Any] = {}
    exec(compile(block.group(1), "README.md", "exec"), namespace)  # noqa: S102 - our own README
    verify: Verify = namespace[name]
    return verify
