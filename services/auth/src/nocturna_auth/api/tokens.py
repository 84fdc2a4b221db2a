"""The OAuth2 token endpoint (RFC 6749): errors keep the OAuth shape that clients parse."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import JSONResponse
from nocturna_platform.http.client import RequestClient

from nocturna_auth.api.dependencies import UseCases
from nocturna_auth.api.schemas import TokenResponse
from nocturna_auth.application.issue_tokens import PasswordGrant
from nocturna_auth.domain.users import AccountDisabled, InvalidCredentials, TooManyAttempts

router = APIRouter(prefix="/api/v1/auth", tags=["tokens"])

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@router.post("/token", response_model=TokenResponse)
async def token(
    use_cases: UseCases,
    client: RequestClient,
    grant_type: Annotated[str, Form()],
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    scope: Annotated[str, Form()] = "",
) -> Any:
    if grant_type != "password":
        return oauth_error(400, "unsupported_grant_type", f"the grant type {grant_type!r} is not supported")
    grant = PasswordGrant(username, password, scope, user_agent=client.user_agent, ip=client.ip)
    try:
        issued = await use_cases.password_grant(grant)
    except InvalidCredentials:
        return oauth_error(400, "invalid_grant", "invalid email or password")
    except AccountDisabled:
        return oauth_error(400, "invalid_grant", "this account is disabled")
    except TooManyAttempts as error:
        return oauth_error(
            429, "too_many_attempts", str(error), {"Retry-After": str(error.retry_after_seconds)}
        )
    return JSONResponse(
        TokenResponse(access_token=issued.access_token, expires_in=issued.expires_in).model_dump(),
        headers=NO_STORE,
    )


def oauth_error(
    status_code: int, error: str, description: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """RFC 6749 §5.2 error body; never cached."""
    return JSONResponse(
        {"error": error, "error_description": description},
        status_code=status_code,
        headers={**NO_STORE, **(headers or {})},
    )
