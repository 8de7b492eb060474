import json
import logging
import sys

import pytest

from app.core.logging import JsonFormatter, RequestIdFilter, configure_logging, request_id_var


def _record(message: str, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("app.test", logging.WARNING, __file__, 1, message, (), None)
    for key, value in extra.items():
        setattr(record, key, value)
    RequestIdFilter().filter(record)
    return record


def test_json_lines_carry_request_id_and_extras() -> None:
    token = request_id_var.set("req-42")
    try:
        line = JsonFormatter().format(_record("login failed", user="admin"))
    finally:
        request_id_var.reset(token)
    entry = json.loads(line)
    assert entry["message"] == "login failed"
    assert entry["request_id"] == "req-42"
    assert entry["user"] == "admin"
    assert entry["level"] == "WARNING"


def test_outside_a_request_the_id_is_a_dash() -> None:
    assert json.loads(JsonFormatter().format(_record("tick")))["request_id"] == "-"


def test_exceptions_are_kept_in_one_json_line() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert "ValueError: boom" in json.loads(line)["exception"]


@pytest.mark.parametrize("as_json", [True, False])
def test_access_line_has_the_request_id(as_json: bool, capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", as_json)
    token = request_id_var.set("abc123")
    try:
        logging.getLogger("app.access").info("GET /api/health 200")
    finally:
        request_id_var.reset(token)
    assert "abc123" in capsys.readouterr().out
