"""request_hash: one digest per (method, path, body), unambiguous at the part boundaries;
fingerprint: a JSON body counts as a document, and digests stored before that still match."""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

from sessionary.services.idempotency import Fingerprint, fingerprint, request_hash


def test_the_same_request_always_hashes_the_same() -> None:
    first = request_hash("POST", "/v1/sessions", b'{"subject":"a"}')
    assert first == request_hash("POST", "/v1/sessions", b'{"subject":"a"}')
    assert len(first) == 64
    assert set(first) <= set(string.hexdigits.lower())


def test_a_different_method_changes_the_hash() -> None:
    assert request_hash("POST", "/v1/s", b"{}") != request_hash("PUT", "/v1/s", b"{}")


def test_a_different_path_changes_the_hash() -> None:
    assert request_hash("POST", "/v1/s/1", b"{}") != request_hash("POST", "/v1/s/2", b"{}")


def test_a_different_body_changes_the_hash() -> None:
    assert request_hash("POST", "/v1/s", b'{"a":1}') != request_hash("POST", "/v1/s", b'{"a":2}')
    assert request_hash("POST", "/v1/s", b"") != request_hash("POST", "/v1/s", b" ")


def test_moving_bytes_between_method_and_path_changes_the_hash() -> None:
    assert request_hash("POST", "/x", b"") != request_hash("POS", "T/x", b"")
    assert request_hash("GET", "/a", b"") != request_hash("GET/", "a", b"")


def test_moving_bytes_between_path_and_body_changes_the_hash() -> None:
    assert request_hash("POST", "/v1/s", b"x") != request_hash("POST", "/v1/sx", b"")
    assert request_hash("POST", "", b"/v1/s") != request_hash("POST", "/v1/s", b"")


text = st.text(alphabet=string.ascii_letters + "/{}:", max_size=12)


@given(method=text, path=text, body=st.binary(max_size=12), cut=st.integers(0, 24))
def test_any_boundary_shift_gives_another_hash(
    method: str, path: str, body: bytes, cut: int
) -> None:
    joined = method + path
    cut = min(cut, len(joined))
    moved = (joined[:cut], joined[cut:])
    same_hash = request_hash(method, path, body) == request_hash(*moved, body)
    assert same_hash == (moved == (method, path))


def test_the_same_json_document_spelt_otherwise_has_the_same_fingerprint() -> None:
    first = fingerprint("POST", "/v1/s", b'{"a": 1, "b": [true]}')
    again = fingerprint("POST", "/v1/s", b'{"b":[true],\n"a":1}')
    assert first.stored == again.stored
    assert again.matches(first.stored)
    assert not again.matches(fingerprint("POST", "/v1/s", b'{"a": 2, "b": [true]}').stored)


def test_a_body_that_is_not_json_is_fingerprinted_by_its_bytes() -> None:
    body = b"subject=u1&scope=game"
    raw = request_hash("POST", "/v1/s", body)
    assert fingerprint("POST", "/v1/s", body) == Fingerprint(stored=raw, raw=raw)


def test_a_key_stored_before_canonical_json_still_matches_its_byte_identical_retry() -> None:
    body = b'{ "subject": {"kind": "user", "id": "u1"} }'
    stored_by_the_previous_release = request_hash("POST", "/v1/sessions?", body)
    retry = fingerprint("POST", "/v1/sessions?", body)
    assert retry.stored != stored_by_the_previous_release
    assert retry.matches(stored_by_the_previous_release)
