"""Discovery documents at the root: the JWKS that verifies our access tokens, the server metadata."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from nocturna_platform.http.state import from_app_state
from nocturna_platform.security.signing import ALGORITHM

from nocturna_auth.api.dependencies import TOKEN_URL, UseCases
from nocturna_auth.settings import AuthSettings

router = APIRouter(tags=["discovery"])

JWKS_PATH = "/.well-known/jwks.json"
CACHED = {"Cache-Control": "public, max-age=300"}

Settings = Annotated[AuthSettings, Depends(from_app_state("settings"))]


@router.get(JWKS_PATH)
async def jwks(use_cases: UseCases) -> JSONResponse:
    keys = await use_cases.signing_keys.public_keys()
    return JSONResponse({"keys": keys}, headers=CACHED)


@router.get("/.well-known/openid-configuration")
async def openid_configuration(settings: Settings) -> JSONResponse:
    """Server metadata (OpenID Connect Discovery / RFC 8414) with URLs under the public issuer (the gateway).

    There is no authorization endpoint (no browser flows are served), hence no response types.
    """
    issuing = settings.issuing
    issuer = issuing.issuer.rstrip("/")
    return JSONResponse(
        {
            "issuer": issuing.issuer,
            "jwks_uri": issuer + JWKS_PATH,
            "token_endpoint": issuer + TOKEN_URL,
            "grant_types_supported": ["password", "refresh_token", "client_credentials"],
            "response_types_supported": [],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [ALGORITHM],
            "scopes_supported": issuing.scopes_supported,
            "claims_supported": ["iss", "aud", "sub", "sid", "roles", "scope", "jti", "iat", "nbf", "exp"],
        },
        headers=CACHED,
    )
