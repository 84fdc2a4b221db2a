"""Load shedding: a process refuses work it cannot start soon instead of queueing it without bound."""

from __future__ import annotations


class AtCapacity(Exception):
    """A bounded queue of this process is full. Over HTTP a 503 `overloaded` with `Retry-After`: the client
    retries in a moment instead of waiting behind work the process cannot catch up with (and the gateway's
    breaker, which counts timeouts, stays closed for the requests the process can still serve)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what}: at capacity")
        self.what = what
