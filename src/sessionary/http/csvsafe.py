"""CSV that is safe to open in a spreadsheet: the one writer for every CSV the server makes.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run
as a formula by Excel, LibreOffice and Google Sheets (OWASP "CSV injection"), so a tenant's
subject id ``=HYPERLINK(...)`` would act in the spreadsheet of whoever opens the export.
Such text gets a leading ``'``, which spreadsheets read as "this is text" and do not show.
Numbers the server computed (counts, minutes, seconds) are not tenant text and are written
as they are, so a negative number stays a number; only text is neutralised."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> object:
    """The value to write: ``None`` as an empty cell, numbers unchanged, text defused."""
    if value is None:
        return ""
    if isinstance(value, int | float):  # bool is an int: server-made too
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_text(rows: Iterable[Iterable[object]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerows([cell(value) for value in row] for row in rows)
    return buf.getvalue()
