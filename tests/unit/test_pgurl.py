"""The translation of libpq-style URLs into asyncpg's connect() arguments (storage/pgurl.py)."""

from __future__ import annotations

import ssl
from typing import Any

import pytest

from sessionary.config import SettingsError, load_settings
from sessionary.storage.pgurl import PgUrlError, connect_kwargs, mask_url

from ..tlscerts import make_ca, make_crl, make_leaf, pem

BASE = "postgresql://app:s3cret@db.example:5433/sessions"


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """ca.pem, client.pem with its key encrypted by "hunter2", crl.pem: file names."""
    directory = tmp_path_factory.mktemp("certs")
    ca_key, ca = make_ca("unit CA")
    cert, key = make_leaf(ca_key, ca, "app", key_password=b"hunter2")
    files = {"ca": pem(ca), "client": cert, "key": key, "crl": make_crl(ca_key, ca)}
    for name, content in files.items():
        (directory / f"{name}.pem").write_bytes(content)
    return {name: str(directory / f"{name}.pem") for name in files}


def ssl_of(query: str) -> Any:
    return connect_kwargs(f"{BASE}?{query}").get("ssl")


def refused(url: str) -> str:
    with pytest.raises(PgUrlError) as caught:
        connect_kwargs(url)
    message = str(caught.value)
    assert "s3cret" not in message and "hunter2" not in message
    return message


@pytest.mark.parametrize("scheme", ["postgresql", "postgres", "postgresql+asyncpg"])
def test_every_postgresql_scheme_gives_the_same_arguments(scheme: str) -> None:
    assert connect_kwargs(f"{scheme}://app:s3cret@db.example:5433/sessions") == {
        "host": "db.example",
        "port": 5433,
        "user": "app",
        "password": "s3cret",
        "database": "sessions",
    }


def test_percent_encoded_parts_are_decoded() -> None:
    kwargs = connect_kwargs("postgresql://a%40b:p%3Aw%2Fd@%2Frun%2Fpostgresql/my%20db")
    assert (kwargs["user"], kwargs["password"]) == ("a@b", "p:w/d")
    assert (kwargs["host"], kwargs["database"]) == ("/run/postgresql", "my db")


def test_a_url_without_host_or_user_leaves_them_to_asyncpg_and_the_pg_variables() -> None:
    assert connect_kwargs("postgresql:///sessions") == {"database": "sessions"}


def test_several_hosts_become_lists_in_order_with_the_default_port() -> None:
    kwargs = connect_kwargs("postgresql://u@h1:5432,h2,[::1]:5434/d?target_session_attrs=primary")
    assert kwargs["host"] == ["h1", "h2", "::1"]
    assert kwargs["port"] == [5432, 5432, 5434]
    assert kwargs["target_session_attrs"] == "primary"


def test_the_query_may_name_the_host_port_user_password_and_database() -> None:
    url = "postgresql:///?host=/var/run/postgresql&port=6432&user=u&password=pw&dbname=d"
    assert connect_kwargs(url) == {
        "host": "/var/run/postgresql",
        "port": 6432,
        "user": "u",
        "password": "pw",
        "database": "d",
    }


def test_one_port_in_the_query_applies_to_every_host() -> None:
    assert connect_kwargs("postgresql://h1,h2/d?port=6432")["port"] == [6432, 6432]


@pytest.mark.parametrize(
    ("mode", "expected"), [("disable", False), ("allow", "allow"), ("prefer", "prefer")]
)
def test_modes_that_never_verify_are_left_to_asyncpg(mode: str, expected: object) -> None:
    assert ssl_of(f"sslmode={mode}") == expected


def test_no_sslmode_passes_nothing_so_asyncpg_prefers_or_reads_pgsslmode() -> None:
    assert "ssl" not in connect_kwargs(BASE)


def test_require_encrypts_without_verifying_anything() -> None:
    context = ssl_of("sslmode=require")
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_NONE and not context.check_hostname
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2  # libpq's default floor


def test_require_with_a_root_certificate_checks_the_chain_as_libpq_does(
    certs: dict[str, str],
) -> None:
    context = ssl_of(f"sslmode=require&sslrootcert={certs['ca']}")
    assert context.verify_mode == ssl.CERT_REQUIRED and not context.check_hostname


def test_verify_ca_checks_the_chain_but_not_the_host_name(certs: dict[str, str]) -> None:
    context = ssl_of(f"sslmode=verify-ca&sslrootcert={certs['ca']}")
    assert context.verify_mode == ssl.CERT_REQUIRED and not context.check_hostname
    assert len(context.get_ca_certs()) == 1


def test_verify_full_checks_the_chain_and_the_host_name(certs: dict[str, str]) -> None:
    context = ssl_of(f"sslmode=verify-full&sslrootcert={certs['ca']}")
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


@pytest.mark.parametrize("mode", ["verify-ca", "verify-full"])
def test_verifying_without_a_root_certificate_is_refused(mode: str) -> None:
    assert f"sslmode={mode} needs sslrootcert=FILE" in refused(f"{BASE}?sslmode={mode}")


def test_sslrootcert_system_means_the_systems_cas_and_verify_full() -> None:
    context = ssl_of("sslrootcert=system")
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert "needs sslmode=verify-full" in refused(f"{BASE}?sslmode=require&sslrootcert=system")


def test_a_client_certificate_with_an_encrypted_key_is_loaded(certs: dict[str, str]) -> None:
    query = f"sslmode=require&sslcert={certs['client']}&sslkey={certs['key']}&sslpassword=hunter2"
    assert isinstance(ssl_of(query), ssl.SSLContext)
    wrong = query.replace("hunter2", "nope")
    assert "sslcert/sslkey: cannot use" in refused(f"{BASE}?{wrong}")


def test_a_revocation_list_turns_on_checking_every_ca(certs: dict[str, str]) -> None:
    context = ssl_of(f"sslmode=verify-full&sslrootcert={certs['ca']}&sslcrl={certs['crl']}")
    assert context.verify_flags & ssl.VERIFY_CRL_CHECK_CHAIN


def test_protocol_versions_bound_the_context() -> None:
    query = "sslmode=require&ssl_min_protocol_version=TLSv1.3&ssl_max_protocol_version=TLSv1.3"
    context = ssl_of(query)
    assert context.minimum_version == context.maximum_version == ssl.TLSVersion.TLSv1_3
    assert "is not one of" in refused(f"{BASE}?sslmode=require&ssl_min_protocol_version=SSLv3")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("sslmode=verify", "sslmode='verify' is not supported; use one of: disable, allow"),
        ("sslmode=prefer&sslrootcert=/ca.pem", "sslrootcert needs sslmode=require"),
        ("sslmode=require&sslrootcert=/nowhere/ca.pem", "sslrootcert: no such file"),
        ("sslmode=require&sslkey=/k.pem", "sslkey and sslpassword need sslcert"),
        ("keepalives=1", "unsupported option 'keepalives'"),
        ("prepared_statement_cache_size=0", "unsupported option 'prepared_statement_cache_size'"),
        ("sslmode=require&sslmode=disable", "option 'sslmode' is given twice"),
        ("target_session_attrs=master", "target_session_attrs='master' is not supported"),
        ("gssencmode=require", "gssencmode='require' is not supported"),
        ("channel_binding=require", "channel_binding='require' is not supported"),
        ("connect_timeout=soon", "connect_timeout='soon' is not a number"),
    ],
)
def test_what_cannot_be_honoured_is_refused_naming_the_option(query: str, message: str) -> None:
    assert message in refused(f"{BASE}?{query}")


def test_options_that_change_nothing_for_asyncpg_are_accepted() -> None:
    assert "ssl" not in connect_kwargs(f"{BASE}?gssencmode=disable&channel_binding=prefer")


@pytest.mark.parametrize(("given", "timeout"), [("10", 10.0), ("1", 2.0), ("0", None)])
def test_connect_timeout_becomes_asyncpgs_timeout(given: str, timeout: float | None) -> None:
    assert connect_kwargs(f"{BASE}?connect_timeout={given}").get("timeout") == timeout


def test_application_name_and_options_go_to_the_server_at_connect() -> None:
    url = f"{BASE}?application_name=api&fallback_application_name=x&options=-c%20work_mem%3D8MB"
    assert connect_kwargs(url)["server_settings"] == {
        "application_name": "api",
        "options": "-c work_mem=8MB",
    }
    fallback = connect_kwargs(f"{BASE}?fallback_application_name=x")
    assert fallback["server_settings"] == {"application_name": "x"}


def test_kerberos_passfile_and_direct_tls_are_passed_on() -> None:
    url = f"{BASE}?krbsrvname=pg&gsslib=gssapi&passfile=/p&sslnegotiation=direct&sslmode=require"
    kwargs = connect_kwargs(url)
    assert (kwargs["krbsrvname"], kwargs["gsslib"], kwargs["passfile"]) == ("pg", "gssapi", "/p")
    assert kwargs["direct_tls"] is True


def test_a_url_of_another_database_is_refused() -> None:
    assert "not a PostgreSQL URL" in refused("mysql://app:s3cret@db/x")


def test_mask_url_hides_the_password_and_the_key_password() -> None:
    url = "postgresql://app:s3cret@db/x?sslpassword=hunter2&password=other&sslmode=require"
    assert mask_url(url) == (
        "postgresql://app:***@db/x?sslpassword=***&password=***&sslmode=require"
    )
    assert mask_url("postgresql://app@db:5432/x") == "postgresql://app@db:5432/x"
    assert mask_url("postgresql://app:p@ss@h1:5432,h2/x") == "postgresql://app:***@h1:5432,h2/x"


def test_settings_refuse_a_bad_url_at_start_naming_the_variable_and_not_the_password() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(database_url=f"{BASE}?sslmode=verify-full&sslrootcert=/no/ca.pem")
    message = str(caught.value)
    assert "SESSIONARY_DATABASE_URL" in message and "sslrootcert: no such file" in message
    assert "s3cret" not in message and "app:***@" in message


def test_settings_take_the_pool_mode_of_a_transaction_pooler() -> None:
    assert load_settings(pg_pool_mode="transaction").pg_pool_mode == "transaction"
    with pytest.raises(SettingsError, match="SESSIONARY_PG_POOL_MODE"):
        load_settings(pg_pool_mode="statement")
