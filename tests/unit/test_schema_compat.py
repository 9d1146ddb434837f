"""Whether code may serve a database, from the database's revision and what it records."""

from __future__ import annotations

from sessionary.storage.schema_compat import Verdict, judge

OURS = ["0009", "0008", "0007"]  # this code's revisions, head first


def test_the_code_serves_its_own_head_without_a_word() -> None:
    assert judge("0009", "0007", OURS) == Verdict(True)


def test_an_empty_or_older_database_must_be_upgraded_first() -> None:
    for database in (None, "0008"):
        verdict = judge(database, None, OURS)
        assert not verdict.serves and "sessionary db upgrade" in str(verdict.message)


def test_a_schema_ahead_is_served_when_its_oldest_reader_is_this_code_or_older() -> None:
    for reader in ("0009", "0007"):
        verdict = judge("0011", reader, OURS)
        assert verdict == Verdict(True, "schema 0011 is ahead of this code's 0009; compatible")


def test_a_schema_ahead_past_a_contract_migration_is_refused_naming_that_migration() -> None:
    verdict = judge("0011", "0010", OURS)
    assert not verdict.serves
    assert "its migration 0010 is not compatible with older code" in str(verdict.message)
    assert "sessionary db downgrade" in str(verdict.message)


def test_a_schema_ahead_that_records_no_compatibility_is_refused() -> None:
    verdict = judge("0011", None, OURS)
    assert not verdict.serves and "records no compatibility" in str(verdict.message)
