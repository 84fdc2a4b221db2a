"""HTTP routes of the auth service: translate requests into commands and results into responses."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, status
from fastapi.responses import JSONResponse
from nocturna_platform.http.problems import FieldError, Problem
from nocturna_platform.http.state import from_app_state
from nocturna_platform.security.dependencies import CurrentPrincipal

from nocturna_auth.api.schemas import RegisterRequest, TokenResponse, UserResponse
from nocturna_auth.application.issue_tokens import PasswordGrant
from nocturna_auth.application.register_user import RegisterUser
from nocturna_auth.application.use_cases import AuthUseCases
from nocturna_auth.domain.users import (
    EmailAlreadyRegistered,
    InvalidCredentials,
    InvalidEmail,
    User,
    WeakPassword,
)

router = APIRouter(tags=["auth"])


UseCases = Annotated[AuthUseCases, Depends(from_app_state("use_cases"))]


def _user_response(user: User) -> UserResponse:
    return UserResponse(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        email_verified=user.email_verified,
        roles=sorted(user.roles),
        created_at=user.created_at,
    )


@router.post("/api/v1/auth/register", status_code=status.HTTP_201_CREATED, response_model=UserResponse)
async def register(body: RegisterRequest, use_cases: UseCases) -> UserResponse:
    try:
        user = await use_cases.register_user(RegisterUser(body.email, body.password, body.display_name))
    except InvalidEmail as error:
        raise Problem(
            422, "validation_error", "Invalid input", errors=[FieldError("email", str(error))]
        ) from error
    except WeakPassword as error:
        raise Problem(
            422, "weak_password", "Password refused", str(error), [FieldError("password", str(error))]
        ) from error
    except EmailAlreadyRegistered as error:
        raise Problem(409, "email_taken", "Email already registered", "Sign in instead.") from error
    return _user_response(user)


@router.post("/api/v1/auth/token", response_model=TokenResponse)
async def token(
    use_cases: UseCases,
    grant_type: Annotated[str, Form()],
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    scope: Annotated[str, Form()] = "",
) -> Any:
    if grant_type != "password":
        return _oauth_error(400, "unsupported_grant_type", "only the password grant is available")
    try:
        issued = await use_cases.password_grant(PasswordGrant(username, password, scope))
    except InvalidCredentials:
        return _oauth_error(400, "invalid_grant", "invalid email or password")
    return TokenResponse(access_token=issued.access_token, expires_in=issued.expires_in)


def _oauth_error(status_code: int, error: str, description: str) -> JSONResponse:
    """RFC 6749 §5.2: token endpoint errors keep the OAuth shape that clients parse."""
    return JSONResponse(
        {"error": error, "error_description": description},
        status_code=status_code,
        headers={"Cache-Control": "no-store"},
    )


@router.get("/api/v1/auth/me", response_model=UserResponse)
async def me(principal: CurrentPrincipal, use_cases: UseCases) -> UserResponse:
    user = await use_cases.get_user(principal.subject)
    if user is None:
        raise Problem(404, "not_found", "Not found", "The account does not exist.")
    return _user_response(user)


@router.get("/.well-known/jwks.json", tags=["discovery"])
async def jwks(use_cases: UseCases) -> JSONResponse:
    keys = await use_cases.signing_keys.public_keys()
    return JSONResponse({"keys": keys}, headers={"Cache-Control": "public, max-age=300"})
