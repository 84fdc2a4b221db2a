from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from nocturna_platform.observability.context import bind_user_id, request_scope
from nocturna_platform.observability.logging import StdoutHandler, configure_logging
from nocturna_platform.settings import LogSettings
from opentelemetry.sdk.trace import TracerProvider

RFC3339_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """configure_logging changes process-wide state; give the next test the root logger it had."""
    names = ("", "uvicorn", "uvicorn.error", "uvicorn.access", "httpx")
    saved = {
        name: (
            logging.getLogger(name).handlers[:],
            logging.getLogger(name).level,
            logging.getLogger(name).propagate,
        )
        for name in names
    }
    yield
    for name, (handlers, level, propagate) in saved.items():
        logger = logging.getLogger(name)
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate = propagate


def _lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_a_json_line_carries_service_request_user_and_trace_ids(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(LogSettings(level="INFO"), "chart")
    user_id = uuid.uuid4()
    tracer = TracerProvider().get_tracer("test")

    with request_scope("req-1"), tracer.start_as_current_span("work") as span:
        bind_user_id(user_id)
        logging.getLogger("nocturna.chart").info("chart %s calculated", "c1", extra={"chart_id": "c1"})

    [line] = _lines(capsys)
    context = span.get_span_context()
    assert RFC3339_UTC.fullmatch(line["timestamp"])
    assert line["level"] == "INFO"
    assert line["logger"] == "nocturna.chart"
    assert line["message"] == "chart c1 calculated"
    assert line["service"] == "chart"
    assert line["request_id"] == "req-1"
    assert line["user_id"] == str(user_id)
    assert line["trace_id"] == format(context.trace_id, "032x")
    assert line["span_id"] == format(context.span_id, "016x")
    assert line["chart_id"] == "c1"


def test_outside_a_request_and_a_trace_the_ids_are_absent(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(LogSettings(), "chart")

    logging.getLogger("nocturna").warning("no context")

    [line] = _lines(capsys)
    assert not {"request_id", "user_id", "trace_id", "span_id"} & set(line)
    assert line["level"] == "WARNING"


def test_exceptions_are_logged_with_their_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(LogSettings(), "chart")

    try:
        raise ValueError("bad ephemeris")
    except ValueError:
        logging.getLogger("nocturna").exception("calculation failed")

    [line] = _lines(capsys)
    assert line["message"] == "calculation failed"
    assert line["exception"].startswith("Traceback (most recent call last)")
    assert "ValueError: bad ephemeris" in line["exception"]


def test_secrets_are_redacted_in_extras_at_any_depth_and_in_free_text(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging(LogSettings(), "auth")

    logging.getLogger("nocturna.auth").info(
        "login via postgresql://auth:hunter2@db:5432/auth with Bearer eyJhbGciOi.x.y",
        extra={
            "password": "pw-1",
            "Authorization": "Bearer eyJhbGciOi.abc",
            "client": {
                "client_id": "partner",
                "client_secret": "cs-1",
                "headers": [{"Cookie": "sid=1"}, {"X-Api-Key": "ak-1"}],
                "tokens": {"refresh_token": "rt-1"},
            },
            "birth_date": "1990-01-01",
            "email_verified": True,
        },
    )

    output = capsys.readouterr().out
    for secret in ("pw-1", "eyJhbGciOi", "cs-1", "sid=1", "ak-1", "rt-1", "hunter2", "1990-01-01"):
        assert secret not in output
    [line] = [json.loads(text) for text in output.splitlines()]
    assert line["password"] == "[redacted]"
    assert line["Authorization"] == "[redacted]"
    assert line["client"]["client_id"] == "partner"
    assert line["client"]["client_secret"] == "[redacted]"
    assert line["client"]["headers"] == [{"Cookie": "[redacted]"}, {"X-Api-Key": "[redacted]"}]
    assert line["client"]["tokens"] == "[redacted]"
    assert line["birth_date"] == "[redacted]"
    assert line["email_verified"] is True
    assert line["message"] == "login via postgresql://auth:[redacted]@db:5432/auth with Bearer [redacted]"


def test_configuring_twice_keeps_one_handler(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(LogSettings(), "chart")
    configure_logging(LogSettings(level="DEBUG"), "chart")

    logging.getLogger("nocturna").debug("once")

    assert sum(isinstance(handler, StdoutHandler) for handler in logging.getLogger().handlers) == 1
    assert [line["message"] for line in _lines(capsys)] == ["once"]


def test_the_level_filters_lines(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(LogSettings(level="WARNING"), "chart")

    logging.getLogger("nocturna").info("hidden")
    logging.getLogger("nocturna").error("shown")

    assert [line["message"] for line in _lines(capsys)] == ["shown"]


def test_uvicorn_logs_go_through_the_same_handler(capsys: pytest.CaptureFixture[str]) -> None:
    stray = logging.StreamHandler()
    logging.getLogger("uvicorn.error").addHandler(stray)
    logging.getLogger("uvicorn.error").propagate = False

    configure_logging(LogSettings(), "chart")
    logging.getLogger("uvicorn.error").info("Started server process")

    assert stray not in logging.getLogger("uvicorn.error").handlers
    [line] = _lines(capsys)
    assert (line["logger"], line["service"]) == ("uvicorn.error", "chart")


def test_plain_text_lines_for_humans(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(LogSettings(json_format=False), "chart")

    with request_scope("req-9"):
        logging.getLogger("nocturna").info("hello", extra={"token": "t-1", "count": 2})

    [line] = capsys.readouterr().out.splitlines()
    assert re.fullmatch(
        r"\S+Z INFO    nocturna: hello request_id=\"req-9\" token=\"\[redacted\]\" count=2", line
    ), line
