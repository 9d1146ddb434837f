"""Settings from SESSIONARY_* variables: safe defaults, named errors, production secrets."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest

from sessionary.config import SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("SESSIONARY_"):
            monkeypatch.delenv(name)


def test_the_default_database_is_a_sqlite_file_in_the_users_data_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    settings = load_settings()
    assert settings.data_dir == tmp_path / "sessionary"
    assert settings.database_url == f"sqlite:///{tmp_path}/sessionary/sessionary.db"
    assert settings.is_sqlite
    assert settings.environment == "development"


@pytest.mark.parametrize("url", ["mysql://db/x", "sqlite://relative.db", "./var/x.db"])
def test_a_bad_database_url_names_the_variable(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("SESSIONARY_DATABASE_URL", url)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "SESSIONARY_DATABASE_URL" in str(caught.value)
    assert "sqlite:///" in str(caught.value)


@pytest.mark.parametrize(
    "url", ["sqlite:///tmp/x.db", "postgresql://u@h/db", "postgresql+asyncpg://u@h/db"]
)
def test_a_known_database_url_is_accepted(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("SESSIONARY_DATABASE_URL", url)
    settings = load_settings()
    assert settings.database_url == url
    assert settings.is_sqlite == url.startswith("sqlite")


def test_every_bad_variable_is_named_in_one_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SESSIONARY_PORT", "0")
    monkeypatch.setenv("SESSIONARY_WORKERS", "many")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "SESSIONARY_PORT" in str(caught.value)
    assert "SESSIONARY_WORKERS" in str(caught.value)


def test_production_without_a_secret_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SESSIONARY_ENVIRONMENT", "production")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "SESSIONARY_SECRET_KEY" in str(caught.value)


@pytest.mark.parametrize(
    "weak",
    ["short-but-random-Zq81", "change-me-" + "x" * 30, "secret" * 8, "DEFAULT_" + "k" * 30],
)
def test_production_with_a_weak_secret_key_is_refused(
    monkeypatch: pytest.MonkeyPatch, weak: str
) -> None:
    monkeypatch.setenv("SESSIONARY_ENVIRONMENT", "production")
    monkeypatch.setenv("SESSIONARY_SECRET_KEY", weak)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "SESSIONARY_SECRET_KEY" in str(caught.value)


def test_production_with_a_random_secret_key_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    key = secrets.token_urlsafe(32)
    monkeypatch.setenv("SESSIONARY_ENVIRONMENT", "production")
    monkeypatch.setenv("SESSIONARY_SECRET_KEY", key)
    settings = load_settings()
    assert settings.environment == "production"
    assert settings.secret_key is not None
    assert settings.secret_key.get_secret_value() == key


def test_development_does_not_need_a_secret_key() -> None:
    settings = load_settings(environment="development")
    assert settings.secret_key is None


def test_the_secret_key_is_not_shown_in_the_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    key = secrets.token_urlsafe(32)
    monkeypatch.setenv("SESSIONARY_SECRET_KEY", key)
    assert key not in repr(load_settings())


def test_overrides_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SESSIONARY_PORT", "9000")
    assert load_settings().port == 9000
    assert load_settings(port=9100).port == 9100


def test_webhooks_reach_no_internal_network_unless_the_operator_lists_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert load_settings().webhook_allowed_networks == ()
    monkeypatch.setenv("SESSIONARY_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.0/8, 10.0.0.0/8,fd00::/8")
    assert [str(n) for n in load_settings().webhook_allowed_networks] == [
        "127.0.0.0/8",
        "10.0.0.0/8",
        "fd00::/8",
    ]


@pytest.mark.parametrize("value", ["10.0.0.0/33", "10.0.0.1/8", "intranet", "10.0.0.0/8;::1"])
def test_a_bad_allowed_network_names_the_variable_and_the_entry(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("SESSIONARY_WEBHOOK_ALLOWED_NETWORKS", value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "SESSIONARY_WEBHOOK_ALLOWED_NETWORKS" in str(caught.value)
    assert "CIDR" in str(caught.value)
