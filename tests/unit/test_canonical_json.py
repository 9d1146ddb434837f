"""canonical_json: one spelling per JSON document, as the API reads it; none for non-JSON."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from sessionary.services.canonical_json import canonical_json


def test_key_order_whitespace_and_string_escapes_do_not_count() -> None:
    spaced = b'{ "b" : [1, {"y": true, "x": null}],\n "a": "\\u0041\xc3\xa9" }\n'
    assert canonical_json(spaced) == '{"a":"Aé","b":[1,{"x":null,"y":true}]}'.encode()


def test_an_integer_and_a_float_of_the_same_value_stay_apart() -> None:
    assert canonical_json(b'{"n": 1}') != canonical_json(b'{"n": 1.0}')
    assert canonical_json(b'{"n": 1e2}') == canonical_json(b'{"n": 100.0}')
    big = b"[123456789012345678901234567890]"
    assert canonical_json(big) == big


def test_strings_and_numbers_stay_apart() -> None:
    assert canonical_json(b'{"n": "1"}') != canonical_json(b'{"n": 1}')


def test_what_the_api_would_not_read_as_json_has_no_canonical_form() -> None:
    for body in (b"", b"{", b"subject=u1", b"NaN", b'{"a": 1e400}', b"\xff{}", b"[1] [2]"):
        assert canonical_json(body) is None, body


def test_a_repeated_key_counts_as_its_last_value_as_the_api_reads_it() -> None:
    assert canonical_json(b'{"scope": "a", "scope": "b"}') == b'{"scope":"b"}'


def test_a_deeply_nested_body_has_no_canonical_form_rather_than_failing() -> None:
    assert canonical_json(b"[" * 100_000 + b"]" * 100_000) is None


documents = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=12,
)


@given(document=documents, indent=st.none() | st.integers(0, 3), ascii_only=st.booleans())
def test_any_spelling_of_a_document_has_the_same_canonical_form(
    document: Any, indent: int | None, ascii_only: bool
) -> None:
    compact = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    other = json.dumps(document, indent=indent, ensure_ascii=ascii_only)
    assert canonical_json(other.encode()) == canonical_json(compact.encode())
    assert canonical_json(other.encode()) is not None
