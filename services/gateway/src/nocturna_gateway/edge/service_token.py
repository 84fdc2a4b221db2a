"""The gateway's own access token (OAuth2 client credentials at auth), reused until shortly before it ends."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import httpx

TOKEN_ENDPOINT_PATH = "/api/v1/auth/token"  # noqa: S105 - a path, not a secret
RENEW_BEFORE_SECONDS = 60.0
"""Renewed this long before expiry, so a token never ends between being read and being checked upstream."""


class ServiceTokenError(Exception):
    """No token could be obtained (auth unreachable, or the client id/secret refused)."""


class ClientCredentialsTokens:
    def __init__(
        self,
        http: httpx.AsyncClient,
        auth_url: str,
        client_id: str,
        client_secret: str,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._url = auth_url.rstrip("/") + TOKEN_ENDPOINT_PATH
        self._credentials = {"client_id": client_id, "client_secret": client_secret}
        self._monotonic = monotonic
        self._token: str | None = None
        self._renew_at = 0.0
        self._lock = asyncio.Lock()

    async def token(self) -> str:
        token = self._token
        if token is not None and self._monotonic() < self._renew_at:
            return token
        async with self._lock:  # one request to auth however many callers need a token at once
            if self._token is not None and self._monotonic() < self._renew_at:
                return self._token
            return await self._fetch()

    def discard(self, token: str) -> None:
        """Auth refused `token` (e.g. its signing key was retired early): the next call fetches another."""
        if self._token == token:
            self._token = None

    async def _fetch(self) -> str:
        try:
            response = await self._http.post(
                self._url, data={"grant_type": "client_credentials", **self._credentials}
            )
        except httpx.HTTPError as error:
            raise ServiceTokenError(f"token endpoint unreachable: {error!r}") from error
        if response.status_code != 200:
            raise ServiceTokenError(f"token endpoint answered {response.status_code}")
        try:
            body = response.json()
        except ValueError as error:
            raise ServiceTokenError("token endpoint answered a body that is not JSON") from error
        if not isinstance(body, dict):
            raise ServiceTokenError("token endpoint answered a body that is not an object")
        token, lifetime = body.get("access_token"), body.get("expires_in")
        if not isinstance(token, str) or not isinstance(lifetime, int):
            raise ServiceTokenError("token endpoint answered without access_token/expires_in")
        self._token = token
        self._renew_at = self._monotonic() + max(lifetime - RENEW_BEFORE_SECONDS, lifetime / 2)
        return token
