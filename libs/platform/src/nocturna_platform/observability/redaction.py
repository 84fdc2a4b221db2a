"""Keeps credentials and birth data out of logs: values under sensitive-looking keys become `[redacted]`."""

from __future__ import annotations

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
