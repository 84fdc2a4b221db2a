"""Structured log lines on stdout: one JSON object per line (or plain text for humans), every line stamped
with the service, request, user and trace ids, and secrets redacted."""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import date, datetime
from typing import Any

from opentelemetry import trace

from nocturna_platform.observability.context import current_request_id, current_user_id
from nocturna_platform.observability.redaction import REDACTED, is_sensitive_key, redact, scrub_text
from nocturna_platform.settings import LogSettings

_UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")
# httpx logs every request URL at INFO; query strings may carry credentials.
_QUIET_LOGGERS = {"httpx": logging.WARNING, "httpcore": logging.WARNING}
_CONTEXT_FIELDS = ("request_id", "user_id", "trace_id", "span_id")
_RECORD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, None, None, None).__dict__) | {
    "message",
    "asctime",
    "taskName",
    "service",
    *_CONTEXT_FIELDS,
}


def configure_logging(settings: LogSettings, service_name: str) -> None:
    """Route the root logger (and uvicorn's) to one stdout handler; calling again replaces that handler."""
    root = logging.getLogger()
    for handler in [handler for handler in root.handlers if isinstance(handler, StdoutHandler)]:
        root.removeHandler(handler)
    handler = StdoutHandler()
    handler.setFormatter(LogFormatter(service_name, json_format=settings.json_format))
    root.addHandler(handler)
    root.setLevel(settings.level)
    for name in _UVICORN_LOGGERS:
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.setLevel(logging.NOTSET)
        uvicorn_logger.propagate = True
    for name, level in _QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(level)


class StdoutHandler(logging.Handler):
    """Writes to whatever `sys.stdout` is at emit time, so a replaced stdout (tests) is followed."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
            stream = sys.stdout
            stream.write(line + "\n")
            stream.flush()
        except RecursionError:
            raise
        except Exception:
            self.handleError(record)


class LogFormatter(logging.Formatter):
    def __init__(self, service_name: str, *, json_format: bool = True) -> None:
        super().__init__()
        self._service_name = service_name
        self._json_format = json_format

    def format(self, record: logging.LogRecord) -> str:
        fields = self._fields(record)
        if self._json_format:
            return json.dumps(fields, default=_json_default, ensure_ascii=False)
        return _as_text(fields)

    def _fields(self, record: logging.LogRecord) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "timestamp": _rfc3339(record),
            "level": record.levelname,
            "logger": record.name,
            "message": scrub_text(record.getMessage()),
            "service": self._service_name,
        }
        fields.update(_context_fields(record))
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRIBUTES:
                fields[key] = REDACTED if is_sensitive_key(key) else redact(value)
        if record.exc_info:
            fields["exception"] = scrub_text(self.formatException(record.exc_info))
        elif record.exc_text:
            fields["exception"] = scrub_text(record.exc_text)
        if record.stack_info:
            fields["stack"] = self.formatStack(record.stack_info)
        return fields


def _context_fields(record: logging.LogRecord) -> dict[str, str]:
    """Ids given explicitly (`extra={"request_id": ...}`) win over the ambient context."""
    fields: dict[str, str] = {}
    request_id = getattr(record, "request_id", None) or current_request_id()
    if request_id:
        fields["request_id"] = str(request_id)
    user_id = getattr(record, "user_id", None) or current_user_id()
    if user_id:
        fields["user_id"] = str(user_id)
    span_context = trace.get_current_span().get_span_context()
    if span_context.is_valid:
        fields["trace_id"] = trace.format_trace_id(span_context.trace_id)
        fields["span_id"] = trace.format_span_id(span_context.span_id)
    return fields


def _rfc3339(record: logging.LogRecord) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z"


def _json_default(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    return str(value)


def _as_text(fields: dict[str, Any]) -> str:
    timestamp, level, logger = fields.pop("timestamp"), fields.pop("level"), fields.pop("logger")
    head = f"{timestamp} {level:<7} {logger}: {fields.pop('message')}"
    fields.pop("service")
    exception = fields.pop("exception", None)
    stack = fields.pop("stack", None)
    pairs = " ".join(
        f"{key}={json.dumps(value, default=_json_default, ensure_ascii=False)}"
        for key, value in fields.items()
    )
    return "\n".join(part for part in (f"{head} {pairs}" if pairs else head, exception, stack) if part)
