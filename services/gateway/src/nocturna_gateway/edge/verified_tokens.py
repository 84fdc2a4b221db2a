"""Access tokens already verified by this process, kept until they expire: a repeated token costs a
dictionary lookup instead of an ES256 signature check."""

from __future__ import annotations

from nocturna_platform.security.principal import Principal


class VerifiedTokens:
    """Bounded: when full, the oldest entry goes. Revocation is not this cache's concern (the deny-list is
    checked on every request, cached or not)."""

    def __init__(self, capacity: int, leeway_seconds: float) -> None:
        self._capacity = capacity
        self._leeway = leeway_seconds
        self._entries: dict[str, tuple[Principal, float]] = {}

    def get(self, token: str, now: float) -> Principal | None:
        entry = self._entries.get(token)
        if entry is None:
            return None
        principal, deadline = entry
        if now >= deadline:
            del self._entries[token]
            return None
        return principal

    def put(self, token: str, principal: Principal) -> None:
        if self._capacity == 0:
            return
        if len(self._entries) >= self._capacity:
            del self._entries[next(iter(self._entries))]
        self._entries[token] = (principal, principal.expires_at.timestamp() + self._leeway)
