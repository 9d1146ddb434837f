"""Batch dedupe: the first event of each key wins; keys already stored are duplicates."""

from __future__ import annotations

from sessionary.domain.model import NewEvent
from sessionary.services.events import split_duplicates


def ev(type_: str, key: str | None = None) -> NewEvent:
    return NewEvent(type=type_, payload={"n": type_}, dedupe_key=key)


def test_a_batch_without_keys_is_kept_whole_and_in_order() -> None:
    batch = [ev("a"), ev("b"), ev("c")]
    fresh, duplicates = split_duplicates(batch, set())
    assert fresh == batch
    assert duplicates == []


def test_keys_already_stored_are_reported_as_duplicates() -> None:
    batch = [ev("a", "k1"), ev("b", "k2"), ev("c", "k3")]
    fresh, duplicates = split_duplicates(batch, {"k2"})
    assert [e.type for e in fresh] == ["a", "c"]
    assert duplicates == ["k2"]


def test_a_key_repeated_within_the_batch_keeps_only_its_first_event() -> None:
    batch = [ev("first", "k"), ev("other", "x"), ev("second", "k"), ev("third", "k")]
    fresh, duplicates = split_duplicates(batch, set())
    assert [e.type for e in fresh] == ["first", "other"]
    assert duplicates == ["k", "k"]


def test_events_without_a_key_are_always_kept() -> None:
    batch = [ev("a"), ev("b", "k"), ev("c"), ev("d", "k"), ev("e")]
    fresh, duplicates = split_duplicates(batch, {"k"})
    assert [e.type for e in fresh] == ["a", "c", "e"]
    assert duplicates == ["k", "k"]


def test_order_of_kept_events_and_of_duplicates_follows_the_batch() -> None:
    batch = [ev("1", "z"), ev("2", "y"), ev("3", "x"), ev("4", "y"), ev("5", "z"), ev("6")]
    fresh, duplicates = split_duplicates(batch, {"x"})
    assert [e.type for e in fresh] == ["1", "2", "6"]
    assert duplicates == ["x", "y", "z"]


def test_the_stored_key_set_is_left_unchanged() -> None:
    stored = {"old"}
    split_duplicates([ev("a", "new"), ev("b", "old")], stored)
    assert stored == {"old"}


def test_an_empty_batch_gives_nothing() -> None:
    assert split_duplicates([], {"k"}) == ([], [])
