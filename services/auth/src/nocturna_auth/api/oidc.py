"""Sign-in with OpenID Connect providers: send the browser to the provider, take it back, answer tokens."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Cookie, Depends, Query, status
from fastapi.responses import JSONResponse, RedirectResponse
from nocturna_platform.http.client import RequestClient
from nocturna_platform.http.openapi import problem_responses
from nocturna_platform.http.problems import Problem
from nocturna_platform.http.state import from_app_state

from nocturna_auth.api.dependencies import UseCases
from nocturna_auth.api.schemas import TokenResponse
from nocturna_auth.api.tokens import NO_STORE, token_response
from nocturna_auth.application.complete_oidc_login import CompleteOidcLogin
from nocturna_auth.domain.external_identities import (
    IdentityRejected,
    InvalidLoginState,
    LocalAccountNotVerified,
    ProviderEmailNotVerified,
    ProviderUnavailable,
    UnknownProvider,
)
from nocturna_auth.domain.users import AccountDisabled

PREFIX = "/api/v1/auth/oidc"
STATE_COOKIE = "nocturna_oidc_state"
_OAUTH_ERROR_CODE = re.compile(r"^[a-z_]{1,64}$")

router = APIRouter(prefix=PREFIX, tags=["openid-connect"])


@dataclass(frozen=True)
class StateCookiePolicy:
    """The cookie binding a started login to its browser: `Secure` when the public URL is https."""

    secure: bool
    max_age_seconds: int


CookiePolicy = Annotated[StateCookiePolicy, Depends(from_app_state("oidc_state_cookie"))]


def _unknown_provider(error: UnknownProvider) -> Problem:
    return Problem(404, error.code, "Unknown sign-in provider", str(error))


def _unavailable(error: ProviderUnavailable) -> Problem:
    return Problem(502, error.code, "Sign-in provider unavailable", str(error))


@router.get(
    "/{provider}/authorize",
    status_code=status.HTTP_302_FOUND,
    response_class=RedirectResponse,
    responses={302: {"description": "To the provider's sign-in page"}, **problem_responses(404, 502)},
)
async def authorize(provider: str, use_cases: UseCases, cookie: CookiePolicy) -> RedirectResponse:
    """Starts an authorization-code login with PKCE (S256), `state` and `nonce`; open it in the browser."""
    try:
        started = await use_cases.start_oidc_login(provider)
    except UnknownProvider as error:
        raise _unknown_provider(error) from error
    except ProviderUnavailable as error:
        raise _unavailable(error) from error
    response = RedirectResponse(
        started.authorization_url, status_code=status.HTTP_302_FOUND, headers=NO_STORE
    )
    response.set_cookie(
        STATE_COOKIE,
        started.state,
        max_age=cookie.max_age_seconds,
        path=PREFIX,
        secure=cookie.secure,
        httponly=True,
        samesite="lax",  # sent on the provider's top-level redirect back, not on cross-site subrequests
    )
    return response


@router.get(
    "/{provider}/callback",
    response_model=TokenResponse,
    response_model_exclude_none=True,
    responses=problem_responses(400, 401, 403, 404, 409, 502),
)
async def callback(
    provider: str,
    use_cases: UseCases,
    client: RequestClient,
    cookie: CookiePolicy,
    code: Annotated[str, Query(max_length=4096)] = "",
    state: Annotated[str, Query(max_length=512)] = "",
    provider_error: Annotated[str, Query(alias="error", max_length=256)] = "",
    browser_state: Annotated[str | None, Cookie(alias=STATE_COOKIE, max_length=512)] = None,
) -> JSONResponse:
    """Where the provider sends the browser back: verifies it all and answers our token pair."""
    if provider_error:
        reason = provider_error if _OAUTH_ERROR_CODE.match(provider_error) else "error"
        raise Problem(
            400, "provider_refused", "The provider did not sign you in", f"provider error: {reason}"
        )
    if not code or not state:
        raise Problem(400, "invalid_request", "Incomplete callback", "code and state are required")
    command = CompleteOidcLogin(
        provider, code, state, browser_state, user_agent=client.user_agent, ip=client.ip
    )
    try:
        issued = await use_cases.complete_oidc_login(command)
    except UnknownProvider as error:
        raise _unknown_provider(error) from error
    except InvalidLoginState as error:
        raise Problem(400, error.code, "Invalid sign-in state", str(error)) from error
    except IdentityRejected as error:
        raise Problem(401, error.code, "Sign-in not verified", str(error)) from error
    except ProviderEmailNotVerified as error:
        raise Problem(403, error.code, "Email not verified by the provider", str(error)) from error
    except AccountDisabled as error:
        raise Problem(403, "account_disabled", "Account disabled", str(error)) from error
    except LocalAccountNotVerified as error:
        raise Problem(409, error.code, "Account not verified", str(error)) from error
    except ProviderUnavailable as error:
        raise _unavailable(error) from error
    response = token_response(issued)
    response.delete_cookie(STATE_COOKIE, path=PREFIX, secure=cookie.secure, httponly=True)
    return response
