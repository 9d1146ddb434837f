"""Whatever a caller sends, the log stays one record per line with no control byte in it."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import re
import sys
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest

from sessionary.observability.escape import escape
from sessionary.observability.logs import JsonFormatter, LogFormat, TextFormatter, logging_config

FORGED = "2026-01-01 00:00:00,000 INFO sessionary.access [-] GET /v1/forged 200 0.1ms"
# CR LF + a forged record, ANSI colour, C1 CSI and NEL, the Unicode line separator, NUL,
# a right-to-left override and a lone surrogate.
HOSTILE = f"x\r\n{FORGED}\x1b[31mred\x9b2J\x85\u2028\x00\u202eevil\ud800"
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
TEXT_RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ ")


@pytest.fixture(params=["json", "text"])
def log_format(request: pytest.FixtureRequest) -> LogFormat:
    fmt: LogFormat = request.param
    return fmt


@pytest.fixture
def captured(log_format: LogFormat) -> Iterator[io.StringIO]:
    """``sessionary serve``'s logging in ``log_format``, written to a buffer, then put back."""
    stream = io.StringIO()
    config = logging_config(log_format, "DEBUG")
    config["handlers"]["main"]["stream"] = stream
    loggers = [logging.getLogger(), *(logging.getLogger(name) for name in config["loggers"])]
    saved = [(lg, lg.level, list(lg.handlers), lg.propagate) for lg in loggers]
    logging.config.dictConfig(config)
    yield stream
    for logger, level, handlers, propagate in saved:
        logger.setLevel(level)
        logger.handlers[:] = handlers
        logger.propagate = propagate


def records(raw: str, log_format: LogFormat) -> list[str]:
    """The log's records, after checking it is clean: no control byte but the line breaks,
    and in text every line not indented starts a record."""
    assert CONTROL.search(raw.replace("\n", "")) is None, raw
    lines = raw.rstrip("\n").split("\n")
    if log_format == "json":
        return [json.loads(line)["message"] for line in lines]
    assert all(TEXT_RECORD.match(line) or line.startswith("    ") for line in lines), lines
    return [line for line in lines if TEXT_RECORD.match(line)]


def _formatter(log_format: LogFormat) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else TextFormatter()


async def test_a_hostile_path_query_and_headers_leave_one_clean_record(
    client: httpx.AsyncClient, captured: io.StringIO, log_format: LogFormat
) -> None:
    sendable = HOSTILE.replace("\ud800", "")
    path = "/v1/sessions/" + quote(sendable, safe="") + "?q=" + quote(sendable, safe="")
    ascii_only = sendable.encode("ascii", "ignore").decode()
    headers = {"X-Request-Id": ascii_only, "User-Agent": ascii_only, "Idempotency-Key": "k"}
    response = await client.get(path, headers=headers)
    assert response.status_code in (401, 404)
    (access,) = records(captured.getvalue(), log_format)
    assert escape("\r\n" + FORGED + "\x1b[31m") in access


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_the_message_its_arguments_and_every_extra_are_escaped(log_format: LogFormat) -> None:
    record = logging.LogRecord("t", logging.WARNING, __file__, 1, "id %s", (HOSTILE,), None)
    record.user_agent, record.header = HOSTILE, [HOSTILE]
    formatted = _formatter(log_format).format(record)
    (message,) = records(formatted, log_format)
    assert escape(HOSTILE) in message
    if log_format == "json":
        entry = json.loads(formatted)
        assert entry["user_agent"] == escape(HOSTILE)
        assert entry["header"] == escape(str([HOSTILE]))


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_a_traceback_carrying_request_text_cannot_start_a_record(log_format: LogFormat) -> None:
    try:
        raise ValueError(HOSTILE)
    except ValueError:
        exc_info = sys.exc_info()
    record = logging.LogRecord("t", logging.ERROR, __file__, 1, "failed", None, exc_info)
    formatted = _formatter(log_format).format(record)
    assert len(records(formatted, log_format)) == 1
    is_text = log_format == "text"
    block = formatted.split("\n", 1)[1] if is_text else json.loads(formatted)["exc_info"]
    assert all(line.startswith("    ") for line in block.split("\n")), block
    assert "    ValueError: " + escape("x\r") + "\n    " + escape(HOSTILE[3:]) in block


def test_a_json_line_stays_valid_json_whatever_number_an_extra_holds() -> None:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "m", None, None)
    record.nan, record.inf, record.big, record.ok = float("nan"), float("-inf"), 2**80, 1.5
    entry = json.loads(JsonFormatter().format(record), parse_constant=pytest.fail)
    assert (entry["nan"], entry["inf"], entry["big"], entry["ok"]) == ("nan", "-inf", 2**80, 1.5)


def test_escaping_is_unambiguous_and_leaves_ordinary_text_alone() -> None:
    assert escape("GET /v1/sessions/ses_01hx é 日本") == "GET /v1/sessions/ses_01hx é 日本"
    assert escape("a\nb") != escape("a\\nb")
    assert escape("\r\n\t\x1b\x00\x9b\u2028\\") == "\\r\\n\\t\\x1b\\x00\\x9b\\u2028\\\\"
