"""SESSIONARY_SECRET_KEY as a list of keys, newest first: parsing, which key seals, which keys
open, resealing one value, and the start-up check with several keys."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from sessionary.config import Settings, SettingsError, load_settings
from sessionary.console.routes import csrf_secret
from sessionary.services.sealing import Sealer, SealError, check_sealed, parse_keys

OLD = "old-sealing-key-0123456789abcdef0123456789"
NEW = "new-sealing-key-abcdef0123456789abcdef0123"


def test_a_single_key_is_itself() -> None:
    assert parse_keys(OLD) == (OLD,)


def test_keys_are_split_on_commas_newest_first() -> None:
    assert parse_keys(f"{NEW},{OLD}") == (NEW, OLD)


def test_whitespace_around_each_key_is_ignored_but_kept_inside_one() -> None:
    assert parse_keys(f"  {NEW} ,\n\t{OLD}\n") == (NEW, OLD)
    assert parse_keys("a passphrase with spaces , other") == ("a passphrase with spaces", "other")


def test_empty_entries_are_dropped() -> None:
    assert parse_keys(f",{NEW},, ,{OLD},") == (NEW, OLD)
    assert parse_keys(" , ,") == ()
    assert parse_keys("") == ()
    assert parse_keys(None) == ()


def test_a_repeated_key_keeps_its_first_place() -> None:
    assert parse_keys(f"{NEW},{OLD},{NEW}, {OLD}") == (NEW, OLD)


def test_the_settings_expose_the_parsed_list() -> None:
    settings = Settings(secret_key=SecretStr(f" {NEW} , {OLD} ,"))
    assert settings.secret_keys == (NEW, OLD)
    assert Settings().secret_keys == ()


def test_production_refuses_a_list_with_one_weak_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SESSIONARY_ENVIRONMENT", "production")
    monkeypatch.setenv("SESSIONARY_SECRET_KEY", f"{NEW},short")
    with pytest.raises(SettingsError, match="SESSIONARY_SECRET_KEY"):
        load_settings()
    monkeypatch.setenv("SESSIONARY_SECRET_KEY", " , ")
    with pytest.raises(SettingsError, match="SESSIONARY_SECRET_KEY"):
        load_settings()
    monkeypatch.setenv("SESSIONARY_SECRET_KEY", f"{NEW},{OLD}")
    assert load_settings().secret_keys == (NEW, OLD)


def test_a_value_sealed_before_key_lists_existed_still_opens() -> None:
    """The first release derived one Fernet key from sha256 of the whole setting."""
    legacy = Fernet(base64.urlsafe_b64encode(hashlib.sha256(OLD.encode()).digest()))
    sealed = legacy.encrypt(b"whsec_legacy").decode()
    assert Sealer(OLD).open(sealed) == "whsec_legacy"
    assert Sealer(f"{NEW},{OLD}").open(sealed) == "whsec_legacy"


def test_new_seals_use_the_newest_key_and_every_key_opens() -> None:
    both = Sealer(f"{NEW},{OLD}")
    from_old = Sealer(OLD).seal("signing secret")
    from_both = both.seal("signing secret")
    assert both.open(from_old) == both.open(from_both) == "signing secret"
    assert Sealer(NEW).open(from_both) == "signing secret"
    with pytest.raises(SealError):
        Sealer(OLD).open(from_both)
    assert both.key_count == 2


def test_reseal_moves_a_value_to_the_newest_key_once() -> None:
    both = Sealer([NEW, OLD])
    sealed = Sealer(OLD).seal_bytes(b"response body")
    assert not both.is_newest(sealed)
    resealed = both.reseal(sealed)
    assert resealed is not None and both.is_newest(resealed)
    assert Sealer(NEW).open_bytes(resealed) == b"response body"
    assert both.reseal(resealed) is None


def test_reseal_of_a_value_no_key_opens_raises_and_says_nothing_of_it() -> None:
    sealed = Sealer("a-third-key-nobody-configured-0123456789").seal_bytes(b"x")
    with pytest.raises(SealError) as caught:
        Sealer([NEW, OLD]).reseal(sealed)
    assert sealed.decode() not in str(caught.value)


async def test_the_start_check_passes_when_each_value_opens_with_one_of_the_keys() -> None:
    samples = [Sealer(OLD).seal_bytes(b"a"), Sealer(NEW).seal_bytes(b"b")]
    await check_sealed(Sealer(f"{NEW},{OLD}"), samples)
    await check_sealed(Sealer(f"{OLD},{NEW}"), samples)


async def test_the_start_check_counts_values_that_open_with_none_of_the_keys() -> None:
    samples = [Sealer(OLD).seal_bytes(b"a"), Sealer(NEW).seal_bytes(b"b")]
    with pytest.raises(SealError, match="1 of 2 sealed secrets"):
        await check_sealed(Sealer(NEW), samples)
    stranger = "a-third-key-nobody-configured-0123456789"
    with pytest.raises(SealError, match="2 of 2 sealed secrets"):
        await check_sealed(Sealer(f"{stranger}, ,{stranger}"), samples)


def test_the_console_signs_its_forms_with_the_newest_key_as_before_with_that_key_alone() -> None:
    def secret(keys: str) -> str:
        return csrf_secret(Settings(secret_key=SecretStr(keys)))

    assert secret(f"{NEW},{OLD}") == secret(NEW) == secret(f" {NEW} ")
    assert secret(f"{NEW},{OLD}") != secret(OLD)
