"""Escaping for log text: whatever a caller sent, a log record stays one line of printable text.

Paths, ids, header values and exception messages may carry CR/LF (a forged record), ESC (a
terminal escape), NUL, C1 controls (U+009B is a one-byte CSI), Unicode line and paragraph
separators (line breaks to some viewers), bidirectional overrides (text shown in another order
than it was written) or a lone surrogate (a line that cannot be written as UTF-8). Each is
written as a backslash escape and the backslash itself is doubled, so an escaped value reads
back unambiguously: ``\\n`` in a log line is always a newline that was sent, never two
characters a caller typed."""

from __future__ import annotations

import re

_UNSAFE = re.compile("[\\\\\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_NAMED = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_one(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def escape(text: str) -> str:
    """``text`` as one line with no control or reordering characters."""
    return _UNSAFE.sub(_escape_one, text)


def escape_block(text: str, indent: str) -> str:
    """A multi-line block (a traceback): its line breaks kept, each line escaped and prefixed
    with ``indent``, so that no line of it, printed, can pass for a record (a record starts at
    column 0), not even one an exception message put there."""
    return "\n".join(indent + escape(line) for line in text.split("\n"))
