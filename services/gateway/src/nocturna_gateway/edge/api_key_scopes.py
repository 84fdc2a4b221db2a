"""What an API key may reach: upstream services check roles, not scopes, so a key's scopes are enforced here.

Deny by default: a route family not listed is out of reach of every key."""

from __future__ import annotations

import re
from typing import Final

ANY_KEY: Final = ""
"""Reachable by every active key, whatever its scopes."""

_READ_METHODS = frozenset({"GET", "HEAD"})
_CHART_READS = re.compile(r"/api/v1/charts/(synastry|[^/]+/(transits|returns))")
"""Computations over charts the caller may read; they store nothing."""


def required_scope(method: str, path: str) -> str | None:
    """The scope a key needs for this request, `ANY_KEY`, or None when no key may make it."""
    if _under(path, "/api/v1/geo") or _under(path, "/api/v1/plans"):
        return ANY_KEY
    if _under(path, "/api/v1/charts"):
        if method in _READ_METHODS or (method == "POST" and _CHART_READS.fullmatch(path)):
            return "charts:read"
        return "charts:write"
    if _under(path, "/api/v1/subscriptions") or _under(path, "/api/v1/usage"):
        return "subscriptions:read" if method in _READ_METHODS else None
    return None


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")
