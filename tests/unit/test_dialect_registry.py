"""The dialect registry: the four built-in dialects in a fixed order, each owning its slice of
the settings, and nothing in them importing the HTTP layer until it is mounted."""

from __future__ import annotations

import subprocess
import sys

from sessionary.config import Settings
from sessionary.dialects.registry import installed

BUILTIN = ["rufus", "hivemp", "pagos", "casino"]


def test_the_built_in_dialects_are_installed_in_the_documented_order() -> None:
    assert [d.name for d in installed()] == BUILTIN


def test_every_dialect_setting_is_declared_by_its_own_dialect_and_exists() -> None:
    dialects = installed()
    declared = {name: d.name for d in dialects for name in d.settings_fields}
    fields = set(Settings.model_fields)
    assert set(declared) <= fields
    owned = {f for f in fields if f.split("_")[0] in BUILTIN}
    assert owned == set(declared)
    assert all(field.startswith(owner) for field, owner in declared.items())


def test_reading_the_registry_loads_no_dialect_route_module() -> None:
    """The descriptors defer their HTTP side, so the CLI pays only for what it runs."""
    probe = (
        "import sys; from sessionary.dialects.registry import installed; installed(); "
        "print(sorted(m for m in sys.modules if m.startswith('sessionary.http.dialects')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]", done.stdout
