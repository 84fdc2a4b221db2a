"""Dependencies every auth route module shares."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Security
from fastapi.openapi.models import OAuthFlowClientCredentials, OAuthFlowPassword, OAuthFlows
from fastapi.security import OAuth2
from nocturna_platform.http.state import from_app_state
from nocturna_platform.security.dependencies import CurrentPrincipal
from nocturna_platform.security.principal import Principal

from nocturna_auth.application.use_cases import AuthUseCases

TOKEN_URL = "/api/v1/auth/token"  # noqa: S105 - a path, not a secret

UseCases = Annotated[AuthUseCases, Depends(from_app_state("use_cases"))]

_oauth2 = OAuth2(
    flows=OAuthFlows(
        password=OAuthFlowPassword(tokenUrl=TOKEN_URL),
        clientCredentials=OAuthFlowClientCredentials(tokenUrl=TOKEN_URL),
    ),
    scheme_name="OAuth2",
    description="Access tokens from the token endpoint (the docs UI's Authorize button uses it).",
    auto_error=False,
)


OAUTH2 = Security(_oauth2)
"""Route or router dependency that only documents the scheme (authentication is `CurrentPrincipal`'s)."""


async def _caller(principal: CurrentPrincipal, _: Annotated[str | None, Security(_oauth2)]) -> Principal:
    return principal


Caller = Annotated[Principal, Depends(_caller)]
"""The authenticated caller (`CurrentPrincipal`), declared in OpenAPI as the OAuth2 scheme so the docs UI
can sign in with the password grant and send the token."""
