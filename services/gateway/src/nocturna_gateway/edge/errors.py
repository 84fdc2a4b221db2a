"""Why a credential was refused at the edge, and the problem+json each answer is."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Literal

from nocturna_platform.http.problems import Problem

RefusalReason = Literal[
    "missing",
    "malformed",
    "invalid_token",
    "revoked",
    "inactive_api_key",
    "api_keys_not_accepted",
]


class EdgeAuthenticationError(Exception, ABC):
    """Base of every refusal at the edge; `problem()` is the HTTP answer, `close_code` the WebSocket one."""

    close_code = 4401

    @abstractmethod
    def problem(self) -> Problem: ...


class Unauthenticated(EdgeAuthenticationError):
    """The credential proves nothing (absent, malformed, invalid, expired, revoked, inactive key).

    `reason` is for logs and tests; clients get one answer whatever it is."""

    def __init__(self, reason: RefusalReason) -> None:
        super().__init__(reason)
        self.reason: RefusalReason = reason

    def problem(self) -> Problem:
        # RFC 6750 §3.1: a request without credentials gets a bare challenge, a bad one an error code.
        challenge = "Bearer" if self.reason == "missing" else 'Bearer error="invalid_token"'
        return Problem(
            status=401,
            code="unauthenticated",
            title="Authentication required",
            detail="A valid bearer access token or X-API-Key is required.",
            headers={"WWW-Authenticate": challenge},
        )


class AuthenticationUnavailable(EdgeAuthenticationError):
    """The credential could not be checked now (auth's keys or introspection unreachable)."""

    close_code = 1013

    def problem(self) -> Problem:
        return Problem(
            status=503,
            code="authentication_unavailable",
            title="Authentication is temporarily unavailable",
            detail="The credential could not be checked; retry shortly.",
            headers={"Retry-After": "5"},
        )
