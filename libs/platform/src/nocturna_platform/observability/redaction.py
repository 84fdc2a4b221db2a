"""Keeps credentials and birth data out of logs: values under sensitive-looking keys become `[redacted]`, and
credentials recognisable in free text are masked."""

from __future__ import annotations

import re
from collections.abc import Mapping

REDACTED = "[redacted]"

# Substrings, so `refresh_token`, `client_secret`, `X-Api-Key` and `set-cookie` are caught too; over-redacting
# a harmless `token_count` is the cheaper mistake.
_SENSITIVE_KEY_PARTS = (
    "password",
    "passwd",
    "token",
    "secret",
    "authorization",
    "api_key",
    "apikey",
    "cookie",
    "private_key",
    "birth",
)


# Credentials inside free text: `scheme://user:password@host` and `Bearer <token>`.
_URL_PASSWORD = re.compile(r"(?<=://)([^:/@\s]+):[^@/\s]+@")
_BEARER = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+")


def scrub_text(text: str) -> str:
    """`text` with passwords in URLs and bearer tokens replaced; for messages and tracebacks."""
    if "://" in text:
        text = _URL_PASSWORD.sub(rf"\1:{REDACTED}@", text)
    return _BEARER.sub(rf"\1 {REDACTED}", text)


def is_sensitive_key(key: str) -> bool:
    normalised = key.lower().replace("-", "_")
    return any(part in normalised for part in _SENSITIVE_KEY_PARTS)


def redact(value: object) -> object:
    """A copy of `value` with every mapping entry under a sensitive key replaced, at any depth."""
    if isinstance(value, Mapping):
        return {
            key: REDACTED if isinstance(key, str) and is_sensitive_key(key) else redact(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    return value
