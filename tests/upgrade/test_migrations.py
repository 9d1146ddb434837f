"""Every migration undoes cleanly, builds its indexes without blocking writes on PostgreSQL,
declares whether older code can serve it, and records that in the database."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from sessionary.storage.migrate import (
    current,
    downgrade,
    downgrade_plan,
    head,
    lineage,
    script_directory,
    upgrade,
)
from sessionary.storage.migrate import with_connection as on_connection
from tests.pgcluster import PgCluster

from .schema import schema_of, statements

NEXT = [Path(__file__).parent / "migrations"]  # the next release's migrations, test only
_names = itertools.count(1)
_INDEX = re.compile(r"CREATE (?:UNIQUE )?INDEX (CONCURRENTLY )?(?:IF NOT EXISTS )?\S+ ON (\S+)")


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    return cluster.create_database(f"empty_{next(_names)}")


def test_every_migration_declares_whether_the_previous_head_can_serve_its_schema() -> None:
    for script in script_directory(NEXT).walk_revisions():
        flag = getattr(script.module, "compatible_with_previous", None)
        assert isinstance(flag, bool), f"{script.revision} declares no compatible_with_previous"


def test_each_downgrade_leaves_the_schema_a_fresh_upgrade_to_that_revision_has(
    empty_url: str, tmp_path: Path
) -> None:
    revisions = list(reversed(lineage()))  # base first
    fresh = {}
    for revision in revisions:
        upgrade(empty_url, revision)
        fresh[revision] = schema_of(empty_url)
    for revision in reversed(revisions[:-1]):
        downgrade(empty_url, downgrade_plan(empty_url))
        assert current(empty_url) == revision
        assert schema_of(empty_url) == fresh[revision], f"downgrade to {revision} differs"
    downgrade(empty_url, downgrade_plan(empty_url, "base"))
    assert current(empty_url) is None and schema_of(empty_url) == {}
    upgrade(empty_url)
    assert schema_of(empty_url) == fresh[revisions[-1]]


def test_no_migration_builds_an_index_on_an_existing_postgresql_table_without_concurrently(
    pg_cluster: PgCluster,
) -> None:
    url = pg_cluster.create_database(f"lint_{next(_names)}")
    offenders = []
    for revision in reversed(lineage()):
        with statements() as sent:
            upgrade(url, revision)
        created = {m[1] for s in sent if (m := re.match(r"CREATE TABLE (\S+)", s))}
        for statement in sent:
            found = _INDEX.match(statement)
            if found and not found[1] and found[2] not in created:
                offenders.append(f"{revision}: {statement}")
    assert offenders == []


def _invalid_index(conn: Connection) -> None:
    """What a failed CREATE INDEX CONCURRENTLY leaves: an index marked INVALID."""
    conn.execute(
        text(
            "INSERT INTO tenants (id, name, settings, created_at)"
            " VALUES ('t1', 'a', '{}', 0), ('t2', 'b', '{}', 0)"
        )
    )
    conn.commit()
    conn.execution_options(isolation_level="AUTOCOMMIT")
    with pytest.raises(Exception, match="could not create unique index"):
        conn.execute(text("CREATE UNIQUE INDEX CONCURRENTLY ix_credentials_named ON tenants ((1))"))


def _valid(conn: Connection) -> list[tuple[object, ...]]:
    rows = conn.execute(
        text(
            "SELECT i.indisvalid, pg_get_indexdef(i.indexrelid) FROM pg_index i"
            " JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'ix_credentials_named'"
        )
    )
    return [tuple(row) for row in rows]


def test_a_migration_run_again_after_a_failed_concurrent_build_rebuilds_the_index(
    pg_cluster: PgCluster,
) -> None:
    url = pg_cluster.create_database(f"invalid_{next(_names)}")
    upgrade(url, "0006")
    on_connection(url, _invalid_index)
    assert [valid for valid, _ in on_connection(url, _valid)] == [False]
    upgrade(url)
    [(valid, definition)] = on_connection(url, _valid)
    assert valid is True and "ON public.credentials" in str(definition)


def test_the_database_records_the_oldest_head_that_serves_each_applied_revision(
    database_url: str,
) -> None:
    ours = head()
    upgrade(database_url, "u02_contract", NEXT)

    def rows(conn: Connection) -> dict[str, tuple[object, ...]]:
        found = conn.execute(
            text("SELECT revision, compatible_with_previous, oldest_reader FROM schema_compat")
        )
        return {str(r[0]): (bool(r[1]), r[2]) for r in found}

    recorded = on_connection(database_url, rows)
    assert recorded["u01_expand"] == (True, recorded[str(ours)][1])
    assert recorded["u02_contract"] == (False, "u02_contract")
    downgrade(database_url, downgrade_plan(database_url, "-1", NEXT), NEXT)
    left = set(on_connection(database_url, rows))
    assert {ours, "u01_expand"} <= left and "u02_contract" not in left
