"""Auth's API-key introspection over HTTP, called with the gateway's service token."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import httpx
from pydantic import BaseModel, ValidationError

from nocturna_gateway.edge.api_keys import ApiKeyGrant
from nocturna_gateway.edge.service_token import ClientCredentialsTokens, ServiceTokenError

INTROSPECTION_PATH = "/api/v1/auth/api-keys/introspect"


class IntrospectionUnavailable(Exception):
    """Auth could not answer (unreachable, failing, or refusing the gateway's own token)."""


class _Introspected(BaseModel):
    active: bool
    sub: UUID | None = None
    api_key_id: UUID | None = None
    scopes: list[str] | None = None
    roles: list[str] | None = None
    exp: int | None = None
    access_token: str | None = None


class HttpApiKeyIntrospection:
    def __init__(self, http: httpx.AsyncClient, auth_url: str, tokens: ClientCredentialsTokens) -> None:
        self._http = http
        self._url = auth_url.rstrip("/") + INTROSPECTION_PATH
        self._tokens = tokens

    async def introspect(self, raw_key: str) -> ApiKeyGrant | None:
        response = await self._post(raw_key)
        if response.status_code == 401:  # our token went stale early: one retry with a fresh one
            response = await self._post(raw_key)
        if response.status_code != 200:
            raise IntrospectionUnavailable(f"introspection answered {response.status_code}")
        try:
            answer = _Introspected.model_validate_json(response.content)
        except ValidationError as error:
            raise IntrospectionUnavailable("introspection answered an unexpected body") from error
        if not answer.active or answer.sub is None or answer.api_key_id is None:
            return None
        return ApiKeyGrant(
            user_id=answer.sub,
            api_key_id=answer.api_key_id,
            roles=frozenset(answer.roles or ()),
            scopes=frozenset(answer.scopes or ()),
            expires_at=datetime.fromtimestamp(answer.exp, UTC) if answer.exp is not None else None,
            upstream_token=answer.access_token,
        )

    async def _post(self, raw_key: str) -> httpx.Response:
        try:
            token = await self._tokens.token()
            response = await self._http.post(
                self._url,
                json={"key": raw_key, "issue_token": True},
                headers={"Authorization": f"Bearer {token}"},
            )
        except (ServiceTokenError, httpx.HTTPError) as error:
            raise IntrospectionUnavailable(repr(error)) from error
        if response.status_code == 401:
            self._tokens.discard(token)
        return response
