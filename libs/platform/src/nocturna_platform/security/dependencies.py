"""FastAPI dependencies that authenticate the caller and check permissions.

They use `request.app.state.token_verifier`, a `TokenVerifier` that the service's bootstrap sets, and
leave the verified principal on `request.state.principal` for other middleware, and bind its subject as the
`user_id` of the request's log lines.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Protocol

from fastapi import Depends, Request

from nocturna_platform.http.openapi import answers_problems
from nocturna_platform.http.problems import Problem
from nocturna_platform.observability.context import bind_user_id
from nocturna_platform.security.jwks import KeySetUnavailableError
from nocturna_platform.security.principal import Principal
from nocturna_platform.security.verifier import InvalidToken


class BearerVerifier(Protocol):
    """What `app.state.token_verifier` must be: a `TokenVerifier`, or a wrapper adding checks (deny-lists)."""

    async def verify(self, token: str) -> Principal: ...


def _unauthenticated(*, token_given: bool) -> Problem:
    # RFC 6750 §3.1: a request without credentials gets a bare challenge, a bad token an error code.
    challenge = 'Bearer error="invalid_token"' if token_given else "Bearer"
    return Problem(
        status=401,
        code="unauthenticated",
        title="Authentication required",
        detail="A valid bearer access token is required.",
        headers={"WWW-Authenticate": challenge},
    )


def _bearer_token(request: Request) -> str | None:
    authorization = request.headers.get("authorization")
    if authorization is None:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        raise _unauthenticated(token_given=True)
    return token


def _verifier(request: Request) -> BearerVerifier:
    verifier: BearerVerifier | None = getattr(request.app.state, "token_verifier", None)
    if verifier is None:
        raise RuntimeError("app.state.token_verifier is not set: the service's bootstrap must set it")
    return verifier


@answers_problems(401, 503)
async def optional_principal(request: Request) -> Principal | None:
    """The caller, or None when no `Authorization` header is sent; a bad token is still a 401."""
    token = _bearer_token(request)
    if token is None:
        return None
    try:
        principal = await _verifier(request).verify(token)
    except InvalidToken as error:
        raise _unauthenticated(token_given=True) from error
    except KeySetUnavailableError as error:
        raise Problem(
            status=503,
            code="authentication_unavailable",
            title="Authentication is temporarily unavailable",
            detail="The keys that verify access tokens could not be fetched; retry shortly.",
            headers={"Retry-After": "5"},
        ) from error
    request.state.principal = principal
    # Log lines of the rest of this request (and its access line) carry the caller; the middleware's
    # request scope resets it for the next request.
    bind_user_id(principal.subject)
    return principal


OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]


async def current_principal(principal: OptionalPrincipal) -> Principal:
    if principal is None:
        raise _unauthenticated(token_given=False)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_permission(permission: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency answering 403 unless the caller holds `permission`; it returns the principal."""

    @answers_problems(403)
    async def permitted_principal(principal: CurrentPrincipal) -> Principal:
        if not principal.has_permission(permission):
            raise Problem(
                status=403,
                code="forbidden",
                title="Forbidden",
                detail="You do not have permission to perform this action.",
            )
        return principal

    return permitted_principal
