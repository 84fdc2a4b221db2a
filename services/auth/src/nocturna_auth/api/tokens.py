"""The OAuth2 token endpoint (RFC 6749): errors keep the OAuth shape that clients parse."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any
from urllib.parse import unquote_plus

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse
from nocturna_platform.http.client import ClientInfo, RequestClient

from nocturna_auth.api.dependencies import UseCases
from nocturna_auth.api.schemas import OAuthErrorResponse, TokenResponse
from nocturna_auth.application.issue_service_token import ClientCredentialsGrant
from nocturna_auth.application.issue_tokens import PasswordGrant
from nocturna_auth.application.refresh_session import RefreshTokenGrant
from nocturna_auth.application.session_tokens import IssuedTokens
from nocturna_auth.domain.refresh_tokens import InvalidRefreshToken
from nocturna_auth.domain.scopes import InvalidScope
from nocturna_auth.domain.service_clients import InvalidClient
from nocturna_auth.domain.users import AccountDisabled, InvalidCredentials, TooManyAttempts

router = APIRouter(prefix="/api/v1/auth", tags=["tokens"])

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
CLIENT_CHALLENGE = {"WWW-Authenticate": 'Basic realm="nocturna", charset="UTF-8"'}


@router.post(
    "/token",
    response_model=TokenResponse,
    response_model_exclude_none=True,
    responses={
        400: {"model": OAuthErrorResponse, "description": "RFC 6749 error"},
        401: {"model": OAuthErrorResponse, "description": "Client authentication failed (`invalid_client`)"},
    },
)
async def token(
    request: Request,
    use_cases: UseCases,
    client: RequestClient,
    grant_type: Annotated[str, Form()] = "",
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    scope: Annotated[str, Form()] = "",
    refresh_token: Annotated[str, Form()] = "",
    client_id: Annotated[str, Form()] = "",
    client_secret: Annotated[str, Form()] = "",
) -> Any:
    """Grants: `password` (first-party apps), `refresh_token`, `client_credentials` (service clients,
    authenticated with HTTP Basic or `client_id`/`client_secret` form fields)."""
    if not grant_type:
        return oauth_error(400, "invalid_request", "grant_type is required")
    if grant_type == "refresh_token":
        return await _refresh_token_grant(use_cases, client, refresh_token, scope)
    if grant_type == "client_credentials":
        return await _client_credentials_grant(request, use_cases, client_id, client_secret, scope)
    if grant_type != "password":
        return oauth_error(400, "unsupported_grant_type", f"the grant type {grant_type!r} is not supported")
    if not username or not password:
        return oauth_error(400, "invalid_request", "username and password are required")
    grant = PasswordGrant(username, password, scope, user_agent=client.user_agent, ip=client.ip)
    try:
        issued = await use_cases.password_grant(grant)
    except InvalidScope as error:
        return oauth_error(400, "invalid_scope", str(error))
    except InvalidCredentials:
        return oauth_error(400, "invalid_grant", "invalid email or password")
    except AccountDisabled:
        return oauth_error(400, "invalid_grant", "this account is disabled")
    except TooManyAttempts as error:
        return oauth_error(
            429, "too_many_attempts", str(error), {"Retry-After": str(error.retry_after_seconds)}
        )
    return token_response(issued)


async def _refresh_token_grant(
    use_cases: UseCases, client: ClientInfo, refresh_token: str, scope: str
) -> Any:
    if not refresh_token:
        return oauth_error(400, "invalid_request", "refresh_token is required")
    grant = RefreshTokenGrant(refresh_token, scope, user_agent=client.user_agent, ip=client.ip)
    try:
        issued = await use_cases.refresh_token_grant(grant)
    except InvalidScope as error:
        return oauth_error(400, "invalid_scope", str(error))
    except InvalidRefreshToken as error:
        return oauth_error(400, "invalid_grant", str(error))
    return token_response(issued)


async def _client_credentials_grant(
    request: Request, use_cases: UseCases, client_id: str, client_secret: str, scope: str
) -> Any:
    basic = request.headers.get("authorization", "")
    if basic[:6].lower() == "basic ":
        if client_id or client_secret:
            return oauth_error(400, "invalid_request", "use one client authentication method, not two")
        credentials = _basic_credentials(basic[6:])
        if credentials is None:
            return oauth_error(401, "invalid_client", "malformed Basic credentials", CLIENT_CHALLENGE)
        client_id, client_secret = credentials
    if not client_id or not client_secret:
        return oauth_error(401, "invalid_client", "client authentication is required", CLIENT_CHALLENGE)
    try:
        issued = await use_cases.client_credentials_grant(
            ClientCredentialsGrant(client_id, client_secret, scope)
        )
    except InvalidClient as error:
        return oauth_error(401, "invalid_client", str(error), CLIENT_CHALLENGE)
    except InvalidScope as error:
        return oauth_error(400, "invalid_scope", str(error))
    return token_response(issued)


def _basic_credentials(encoded: str) -> tuple[str, str] | None:
    """RFC 6749 §2.3.1: `client_id:client_secret`, each form-urlencoded, then base64."""
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, colon, client_secret = decoded.partition(":")
    if not colon:
        return None
    return unquote_plus(client_id), unquote_plus(client_secret)


def token_response(issued: IssuedTokens) -> JSONResponse:
    body = TokenResponse(
        access_token=issued.access_token,
        expires_in=issued.expires_in,
        refresh_token=issued.refresh_token,
        scope=issued.scope or None,
    )
    return JSONResponse(body.model_dump(exclude_none=True), headers=NO_STORE)


def oauth_error(
    status_code: int, error: str, description: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """RFC 6749 §5.2 error body; never cached."""
    return JSONResponse(
        {"error": error, "error_description": description},
        status_code=status_code,
        headers={**NO_STORE, **(headers or {})},
    )
