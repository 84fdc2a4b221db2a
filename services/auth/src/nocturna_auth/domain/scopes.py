"""OAuth scopes (RFC 6749 §3.3): what a token may be used for, never more than was granted."""

from __future__ import annotations

import re

from nocturna_auth.domain.users import DomainError

_SCOPE_TOKEN = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]+$")
MAX_SCOPE_LENGTH = 100

SCOPE_CATALOGUE = frozenset(
    f"{resource}:{action}"
    for resource in ("charts", "profiles", "subscriptions", "sessions", "api_keys")
    for action in ("read", "write")
)
"""Every scope a token can carry: `<resource>:<action>` over the resources the fleet guards."""


class InvalidScope(DomainError):
    code = "invalid_scope"


def parse_scopes(raw: str) -> frozenset[str]:
    """The space-separated scope parameter as a set; a malformed scope token is refused."""
    scopes = frozenset(raw.split())
    for scope in scopes:
        if len(scope) > MAX_SCOPE_LENGTH or not _SCOPE_TOKEN.match(scope):
            raise InvalidScope(f"{scope[:MAX_SCOPE_LENGTH]!r} is not a valid scope")
    return scopes


def catalogued_scopes(raw: str, catalogue: frozenset[str] = SCOPE_CATALOGUE) -> frozenset[str]:
    """The requested scopes, each of which must be in the catalogue (RFC 6749 §3.3: unknown → invalid_scope)."""
    scopes = parse_scopes(raw)
    unknown = scopes - catalogue
    if unknown:
        raise InvalidScope(f"unknown scope: {' '.join(sorted(unknown))}")
    return scopes


def narrow_scopes(requested: frozenset[str], granted: frozenset[str]) -> frozenset[str]:
    """The scopes of a new token: all granted ones when none are asked for, else the ones asked for."""
    if not requested:
        return granted
    if not requested <= granted:
        raise InvalidScope("the requested scope exceeds the granted scope")
    return requested
