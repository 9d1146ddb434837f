"""csvsafe: text a spreadsheet would run as a formula is written as text; numbers stay numbers."""

from __future__ import annotations

import csv
import io

import pytest

from sessionary.http.csvsafe import cell, csv_text


@pytest.mark.parametrize(
    "text",
    ["=1+1", '=HYPERLINK("http://evil","x")', "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "-5"],
)
def test_text_that_starts_like_a_formula_gets_a_leading_quote(text: str) -> None:
    assert cell(text) == "'" + text


@pytest.mark.parametrize("text", ["u1", "user 1", "a=b", "1-2", "", " =1", "'=1", "日本"])
def test_other_text_is_written_as_it_is(text: str) -> None:
    assert cell(text) == text


@pytest.mark.parametrize("number", [-5, 0, 7, -1.5, True])
def test_numbers_the_server_computed_stay_numbers_even_when_negative(number: float) -> None:
    assert cell(number) == number


def test_a_missing_value_is_an_empty_cell() -> None:
    assert cell(None) == ""


def test_a_whole_export_reads_back_with_every_formula_defused() -> None:
    text = csv_text([("subject_id", "minutes"), ("=cmd|' /C calc'!A0", -3), ("u,1\n2", 4)])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["subject_id", "minutes"], ["'=cmd|' /C calc'!A0", "-3"], ["u,1\n2", "4"]]
