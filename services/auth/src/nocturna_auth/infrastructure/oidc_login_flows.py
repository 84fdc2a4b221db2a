"""Started OpenID logins in Redis: one key per state (hashed), expiring, taken atomically once."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import redis.asyncio as aioredis

from nocturna_auth.application.openid_providers import OidcLoginFlow


class RedisOidcLoginFlows:
    """Keys `<prefix>auth:oidc:flow:<sha256(state)>`; the value holds the PKCE verifier and the nonce, so
    the state itself is never a key (a leaked key list reveals nothing usable)."""

    def __init__(self, redis: aioredis.Redis, key_prefix: str) -> None:
        self._redis = redis
        self._prefix = f"{key_prefix}auth:oidc:flow:"

    def _key(self, state: str) -> str:
        return self._prefix + hashlib.sha256(state.encode()).hexdigest()

    async def put(self, state: str, flow: OidcLoginFlow, ttl: timedelta) -> None:
        value = json.dumps(
            {"provider": flow.provider, "nonce": flow.nonce, "code_verifier": flow.code_verifier}
        )
        await self._redis.set(self._key(state), value, px=int(ttl.total_seconds() * 1000))

    async def take(self, state: str) -> OidcLoginFlow | None:
        raw = await self._redis.getdel(self._key(state))
        if raw is None:
            return None
        value = json.loads(raw)
        return OidcLoginFlow(value["provider"], value["nonce"], value["code_verifier"])
