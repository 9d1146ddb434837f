"""TLS to PostgreSQL from a libpq-style URL: a cluster of its own that accepts only encrypted
connections (``hostssl`` lines alone), whose certificate a CA made here signed for 127.0.0.1.
The whole service runs on it: migrations, the app's engine, the driver's hot paths, the probe."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sessionary.bootstrap import build
from sessionary.config import Settings
from sessionary.domain.errors import StorageUnavailable
from sessionary.domain.model import NewEvent, TenantPolicy
from sessionary.services.sessions import OpenRequest
from sessionary.storage.database import PostgresDatabase
from sessionary.storage.migrate import current, head, upgrade
from sessionary.storage.pg_engine import pg_engine

from ..conftest import TEST_ACTOR
from ..pgcluster import PgCluster
from ..tlscerts import make_ca, make_server_cert, pem

HBA = "local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostssl all all ::1/128 trust\n"


@dataclass
class TlsCluster:
    cluster: PgCluster
    ca: Path  # the CA that signed the server's certificate
    other_ca: Path  # a CA that did not

    def url(self, name: str, query: str, host: str = "127.0.0.1") -> str:
        return f"postgresql://postgres@{host}:{self.cluster.port}/{name}?{query}"


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsCluster]:
    directory = tmp_path_factory.mktemp("tls")
    ca_key, ca = make_ca("sessionary test CA")
    cert, key = make_server_cert(ca_key, ca)
    (directory / "ca.pem").write_bytes(pem(ca))
    (directory / "other-ca.pem").write_bytes(pem(make_ca("someone else's CA")[1]))
    cluster = PgCluster(
        settings={"ssl": "on", "ssl_cert_file": "server.crt", "ssl_key_file": "server.key"},
        files={"server.crt": cert, "server.key": key},
        hba=HBA,
    )
    cluster.start()
    cluster.create_database("tls")
    found = TlsCluster(cluster, directory / "ca.pem", directory / "other-ca.pem")
    upgrade(found.url("tls", f"sslmode=verify-full&sslrootcert={found.ca}"))  # Alembic too
    yield found
    cluster.stop()


async def ssl_of_own_backend(url: str) -> tuple[bool, str]:
    engine = pg_engine(url, statement_cache=True)
    try:
        async with engine.connect() as conn:
            row: Any = (
                await conn.exec_driver_sql(
                    "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
                )
            ).one()
    finally:
        await engine.dispose()
    return bool(row[0]), str(row[1])


async def test_the_whole_service_runs_over_verify_full_with_the_servers_ca(
    tls: TlsCluster,
) -> None:
    url = tls.url("tls", f"sslmode=verify-full&sslrootcert={tls.ca}&application_name=tls-test")
    container = build(Settings(database_url=url, environment="test", webhook_interval_s=0))
    try:
        tenant = await container.tenants.create("acme", TenantPolicy(), TEST_ACTOR)
        opened = await container.sessions.open(tenant.pk, OpenRequest("player", "p1"), TEST_ACTOR)
        await container.events.append(tenant.pk, opened.id, [NewEvent("lap", {"n": 1})])
        closed = await container.sessions.close(tenant.pk, opened.id, TEST_ACTOR)
        assert closed.status.value == "closed"
        assert await container.database.write_problem(0) is None  # the probe's own connection
    finally:
        await container.close()
    encrypted, version = await ssl_of_own_backend(url)
    assert encrypted and version.startswith("TLSv1.")


def test_migrations_ran_over_verify_full(tls: TlsCluster) -> None:
    assert current(tls.url("tls", f"sslmode=verify-full&sslrootcert={tls.ca}")) == head()


async def test_require_encrypts_without_checking_the_certificate(tls: TlsCluster) -> None:
    encrypted, _ = await ssl_of_own_backend(tls.url("tls", "sslmode=require"))
    assert encrypted


async def test_verify_ca_checks_the_chain_but_not_the_host_name(tls: TlsCluster) -> None:
    query = f"sslmode=verify-ca&sslrootcert={tls.ca}"
    encrypted, _ = await ssl_of_own_backend(tls.url("tls", query, host="localhost"))
    assert encrypted


async def test_verify_full_refuses_a_host_name_the_certificate_does_not_name(
    tls: TlsCluster,
) -> None:
    url = tls.url("tls", f"sslmode=verify-full&sslrootcert={tls.ca}", host="localhost")
    with pytest.raises(StorageUnavailable, match="certificate verify failed: Hostname mismatch"):
        await _one_unit_of_work(url)


async def test_verify_full_with_another_ca_fails_saying_the_certificate_is_not_trusted(
    tls: TlsCluster,
) -> None:
    url = tls.url("tls", f"sslmode=verify-full&sslrootcert={tls.other_ca}")
    with pytest.raises(StorageUnavailable, match="certificate verify failed"):
        await _one_unit_of_work(url)


async def test_the_cluster_refuses_an_unencrypted_connection(tls: TlsCluster) -> None:
    with pytest.raises(StorageUnavailable, match="no encryption"):
        await _one_unit_of_work(tls.url("tls", "sslmode=disable"))


async def _one_unit_of_work(url: str) -> None:
    database = PostgresDatabase(url, timeout_s=10)
    try:
        async with database.unit_of_work(write=False) as uow:
            await uow.rollback()
    finally:
        await database.dispose()
