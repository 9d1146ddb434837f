"""The configuration reference is generated from Settings, and every SESSIONARY_* name the
code reads is one the unknown-variable check knows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import sessionary
from sessionary import config_reference
from sessionary.config import Settings, SettingsError, load_settings
from sessionary.config_env import check_environment, known_variables, unknown_variables

REPO = Path(__file__).resolve().parents[2]
SRC = Path(sessionary.__file__).parent
REGENERATE = "python -m sessionary.config_reference > docs/configuration.md"


def test_docs_configuration_md_is_the_generated_reference() -> None:
    written = (REPO / "docs" / "configuration.md").read_text()
    assert written == config_reference.markdown(), f"stale; regenerate it: {REGENERATE}"


def test_every_setting_has_a_meaning() -> None:
    missing = [name for name, info in Settings.model_fields.items() if not info.description]
    assert not missing, "give each a Field(description=...) or an attribute docstring"


def test_every_setting_and_its_default_are_in_the_reference() -> None:
    text = config_reference.markdown()
    for name in Settings.model_fields:
        assert f"`SESSIONARY_{name.upper()}`" in text
    assert "| `SESSIONARY_PORT` | int (>= 1, <= 65535) | `8000` |" in text


def test_every_sessionary_variable_named_in_the_source_is_known() -> None:
    named = set()
    for path in SRC.rglob("*.py"):
        # A name ending in "_" or "*" is a family (SESSIONARY_RATE_LIMIT_*), not a variable.
        named |= set(re.findall(r"\bSESSIONARY_[A-Z0-9_]*[A-Z0-9]\b(?![_*])", path.read_text()))
    assert named - known_variables() == set()


def test_an_unknown_variable_is_named_with_the_closest_valid_one() -> None:
    lines = unknown_variables({"SESSIONARY_PORTT": "1", "SESSIONARY_PORT": "1", "PATH": "/"})
    assert lines == ["SESSIONARY_PORTT: not a sessionary setting; did you mean SESSIONARY_PORT?"]


def test_an_unknown_variable_is_a_warning_in_development() -> None:
    env = {"SESSIONARY_METRICS_TOKN": "x"}
    lines = check_environment(load_settings(environment="development"), env)
    assert "did you mean SESSIONARY_METRICS_TOKEN?" in lines[0]


def test_an_unknown_variable_is_refused_in_production() -> None:
    cfg = load_settings(environment="production", secret_key="k" * 40)
    with pytest.raises(SettingsError, match=r"SESSIONARY_SECRET_KY: .*SESSIONARY_SECRET_KEY"):
        check_environment(cfg, {"SESSIONARY_SECRET_KY": "x"})


def test_a_plug_in_dialects_own_variables_are_known() -> None:
    env = {"SESSIONARY_PARROT_WORD": "cracker"}
    assert unknown_variables(env, ["SESSIONARY_PARROT_"]) == []
    assert len(unknown_variables(env)) == 1
