"""Auth's side of edge authentication as the gateway reaches it over HTTP, mounted on the auth upstream of the
gateway harness: its JWKS, the client-credentials token endpoint and API-key introspection. Tokens are real
ES256 JWTs, so requests in the harness go through the gateway's real edge authentication."""

from __future__ import annotations

import secrets
import string
import uuid
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from fastapi import FastAPI, Form, Header
from fastapi.responses import JSONResponse
from nocturna_gateway.edge.introspection import INTROSPECTION_PATH
from nocturna_gateway.edge.service_token import TOKEN_ENDPOINT_PATH
from nocturna_platform.security import SigningKey
from nocturna_platform.settings import TokenVerificationSettings
from nocturna_platform.testing.tokens import access_token, jwks_document
from pydantic import BaseModel

JWKS_PATH = "/.well-known/jwks.json"
SERVICE_TOKEN_SECONDS = 900


@dataclass(frozen=True)
class IssuedKey:
    user_id: UUID
    api_key_id: UUID
    scopes: tuple[str, ...]


class _Introspection(BaseModel):
    key: str
    issue_token: bool = False


@dataclass
class AuthStandIn:
    tokens: TokenVerificationSettings
    key: SigningKey = field(default_factory=SigningKey.generate)
    client_id: str = "gateway"
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    api_keys: dict[str, IssuedKey] = field(default_factory=dict)
    service_tokens: set[str] = field(default_factory=set)

    def bearer(self, user: UUID | None = None) -> dict[str, str]:
        """Headers of a signed-in user (a fresh one unless named)."""
        return {"Authorization": f"Bearer {access_token(self.key, self.tokens, subject=user)}"}

    def api_key(self, user: UUID, scopes: tuple[str, ...] = ("charts:read",)) -> dict[str, str]:
        """Headers presenting a new API key of `user`'s, known to introspection from now on."""
        alphabet = string.ascii_letters + string.digits
        public_id = "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(8))
        raw = f"nct_live_{public_id}_" + "".join(secrets.choice(alphabet) for _ in range(43))
        self.api_keys[raw] = IssuedKey(user, uuid.uuid4(), scopes)
        return {"X-API-Key": raw}

    def install(self, app: FastAPI) -> None:
        @app.get(JWKS_PATH)
        async def jwks() -> dict[str, Any]:
            return jwks_document(self.key)

        @app.post(TOKEN_ENDPOINT_PATH)
        async def token(
            grant_type: str = Form(), client_id: str = Form(), client_secret: str = Form()
        ) -> JSONResponse:
            known = (client_id, client_secret) == (self.client_id, self.client_secret)
            if grant_type != "client_credentials" or not known:
                return JSONResponse({"error": "invalid_client"}, status_code=401)
            issued = access_token(self.key, self.tokens, session=False, roles=("service",))
            self.service_tokens.add(issued)
            return JSONResponse(
                {"access_token": issued, "token_type": "Bearer", "expires_in": SERVICE_TOKEN_SECONDS}
            )

        @app.post(INTROSPECTION_PATH)
        async def introspect(body: _Introspection, authorization: str = Header(default="")) -> JSONResponse:
            if authorization.removeprefix("Bearer ") not in self.service_tokens:
                return JSONResponse({"code": "unauthenticated"}, status_code=401)
            issued = self.api_keys.get(body.key)
            if issued is None:
                return JSONResponse({"active": False})
            exchanged = access_token(
                self.key, self.tokens, subject=issued.user_id, session=False, scopes=issued.scopes
            )
            return JSONResponse(
                {
                    "active": True,
                    "sub": str(issued.user_id),
                    "api_key_id": str(issued.api_key_id),
                    "roles": ["user"],
                    "scopes": list(issued.scopes),
                    "exp": None,
                    "access_token": exchanged if body.issue_token else None,
                }
            )
