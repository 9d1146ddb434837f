"""Structured logs: one JSON object per line (or plain text), each with the request id.

Nothing here logs headers, query strings or bodies; ``RedactingFilter`` is the second line of
defence, scrubbing anything shaped like one of our secrets from every record that reaches the
handler, whoever logged it. Both formatters escape every message and every extra field
(``escape``), so a path, id or header value that reached a log line can neither forge a
record nor put a control byte in the log, whichever call site logged it."""

from __future__ import annotations

import datetime as dt
import json
import logging
import logging.config
import math
import re
from typing import Any, Literal

from .context import REQUEST_ID
from .escape import escape, escape_block

LogFormat = Literal["json", "text"]
REDACTED = "[REDACTED]"
_INDENT = "    "

_SECRETS = (
    # native credential secrets: sk_ + base64url
    (re.compile(r"\bsk_[A-Za-z0-9_-]{4,}"), "sk_" + REDACTED),
    # Authorization header values
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{4,}"), r"\1 " + REDACTED),
    # key=value / "key": "value" where the key names a secret (client_secret, hash, token, ...)
    (
        re.compile(
            r"(?i)\b([\w-]*(?:secret|password|passwd|api[_-]?key|authorization|token|hash)[\w-]*)"
            r"(\"?'?\s*[:=]\s*\"?'?)([^\s\"'&,;}\]]+)"
        ),
        r"\1\2" + REDACTED,
    ),
)

# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "request_id",
}


def redact(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class RequestContextFilter(logging.Filter):
    """Stamp the current request id on records that do not carry one already."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = REQUEST_ID.get()
        return True


class RedactingFilter(logging.Filter):
    """Scrub secret-shaped values from the message, its arguments, extras and tracebacks."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg, record.args = redact(message), None
        for key, value in list(vars(record).items()):
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, redact(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def _rfc3339(created: float) -> str:
    moment = dt.datetime.fromtimestamp(created, tz=dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _plain(value: Any) -> Any:
    """An extra field as JSON: numbers, booleans and null as they are, anything else (NaN
    and the infinities too: JSON has none) as escaped text."""
    if isinstance(value, int) or value is None:  # bool is an int
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    return escape(value if isinstance(value, str) else str(value))


class JsonFormatter(logging.Formatter):
    """time (RFC 3339, UTC), level, logger, message, request_id, then the record's extras.

    Every text field is escaped (``escape``), so one record is one line and no value in it,
    parsed back, holds a control character; a traceback keeps its line breaks (JSON escapes
    them), each of its lines escaped and indented as in text."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": _rfc3339(record.created),
            "level": record.levelname,
            "logger": escape(record.name),
            "message": escape(record.getMessage()),
            "request_id": _plain(getattr(record, "request_id", None)),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry.setdefault(key, _plain(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc_info"] = escape_block(record.exc_text, _INDENT)
        if record.stack_info:
            entry["stack_info"] = escape_block(record.stack_info, _INDENT)
        return json.dumps(entry, ensure_ascii=False, separators=(",", ":"))


class TextFormatter(logging.Formatter):
    """``time level logger [request id] message``, escaped like the JSON fields; a traceback
    follows on indented lines, so every line that starts at column 0 starts a record."""

    def format(self, record: logging.LogRecord) -> str:
        rid = getattr(record, "request_id", None) or "-"
        name, message = escape(record.name), escape(record.getMessage())
        line = f"{self.formatTime(record)} {record.levelname} {name} [{_plain(rid)}] {message}"
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        for block in (record.exc_text, record.stack_info):
            if block:
                line += "\n" + escape_block(block, _INDENT)
        return line


def resolve_format(configured: LogFormat | None, environment: str) -> LogFormat:
    if configured is not None:
        return configured
    return "json" if environment == "production" else "text"


def logging_config(fmt: LogFormat, level: str) -> dict[str, Any]:
    """A ``dictConfig`` for the server process and each granian worker (granian applies it in
    every worker, so fork and spawn both end up with the same handlers)."""
    here = __name__
    formatter = JsonFormatter if fmt == "json" else TextFormatter
    quiet = {"level": "WARNING"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "context": {"()": f"{here}.RequestContextFilter"},
            "redact": {"()": f"{here}.RedactingFilter"},
        },
        "formatters": {"main": {"()": f"{here}.{formatter.__name__}"}},
        "handlers": {
            "main": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "main",
                "filters": ["context", "redact"],
            }
        },
        "root": {"handlers": ["main"], "level": level},
        "loggers": {
            # granian's own lines go through our handler; its access log stays off (ours has
            # the route template and the request id).
            "_granian": {"handlers": ["main"], "level": level, "propagate": False},
            "granian.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            # SQLAlchemy logs every statement with its parameters once its logger reaches INFO.
            "sqlalchemy": quiet,
            "httpx": quiet,
            "httpcore": quiet,
        },
    }


def configure_logging(fmt: LogFormat, level: str) -> dict[str, Any]:
    """Configure this process once and return the config for the server's workers."""
    config = logging_config(fmt, level)
    logging.config.dictConfig(config)
    return config
