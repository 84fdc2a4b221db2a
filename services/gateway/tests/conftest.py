from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from uuid import UUID

import pytest
from nocturna_gateway.edge.api_keys import ApiKeyGrant
from nocturna_gateway.edge.authenticator import ApiKeyResolver, EdgeAuthenticator
from nocturna_gateway.edge.deny_list import RecentlyCleared
from nocturna_gateway.edge.metrics import EdgeAuthMetrics
from nocturna_gateway.edge.revocations import Revocations
from nocturna_gateway.edge.verified_tokens import VerifiedTokens
from nocturna_platform.security import (
    SigningKey,
    StaticKeySet,
    TokenVerifier,
    VerificationKeys,
    issue_access_token,
)
from nocturna_platform.settings import TokenVerificationSettings
from prometheus_client import CollectorRegistry

from services.gateway.tests.fakes import (
    FakeApiKeyIntrospection,
    InMemoryApiKeyCache,
    InMemoryDenyList,
    SettableClock,
)

TOKENS = TokenVerificationSettings(issuer="https://api.nocturna.test", audience="nocturna", leeway_seconds=30)
API_KEY = "nct_live_abcd1234_" + "A" * 43
UPSTREAM_TOKEN = "token-auth-issued-for-the-key"


@dataclass
class Edge:
    """Edge authentication wired to fakes, with a signing key the verifier trusts."""

    clock: SettableClock
    key: SigningKey
    deny_list: InMemoryDenyList
    cache: InMemoryApiKeyCache
    introspection: FakeApiKeyIntrospection
    registry: CollectorRegistry
    authenticator: EdgeAuthenticator
    revocations: Revocations
    user_id: UUID = field(default_factory=uuid.uuid4)
    session_id: UUID = field(default_factory=uuid.uuid4)

    def token(self, *, ttl_seconds: int = 900, key: SigningKey | None = None, session: bool = True) -> str:
        return issue_access_token(
            key or self.key,
            issuer=TOKENS.issuer,
            audience=TOKENS.audience,
            subject=self.user_id,
            session_id=self.session_id if session else None,
            roles=["user"],
            scopes=[],
            ttl=timedelta(seconds=ttl_seconds),
            now=self.clock(),
            token_id=uuid.uuid4().hex,
        )

    def active_key(self, raw_key: str = API_KEY) -> ApiKeyGrant:
        grant = ApiKeyGrant(
            user_id=self.user_id,
            api_key_id=uuid.uuid4(),
            roles=frozenset({"user"}),
            scopes=frozenset({"charts:read"}),
            expires_at=None,
            upstream_token=UPSTREAM_TOKEN,
        )
        self.introspection.keys[raw_key] = grant
        return grant

    def counted(self, name: str, **labels: str) -> float:
        return self.registry.get_sample_value(name, labels) or 0.0


def build_edge(
    *, api_keys: bool = True, keys: VerificationKeys | None = None, recheck_seconds: float = 0
) -> Edge:
    clock = SettableClock()
    key = SigningKey.generate()
    deny_list = InMemoryDenyList(clock)
    cache = InMemoryApiKeyCache(clock, grant_seconds=30, refusal_seconds=5, tombstone_seconds=33)
    introspection = FakeApiKeyIntrospection()
    registry = CollectorRegistry()
    metrics = EdgeAuthMetrics(registry)
    verifier = TokenVerifier(TOKENS, keys or StaticKeySet.from_signing_keys(key), clock)
    resolver = ApiKeyResolver(cache, introspection, clock, metrics) if api_keys else None
    authenticator = EdgeAuthenticator(
        verifier,
        deny_list,
        resolver,
        clock,
        metrics,
        VerifiedTokens(100, TOKENS.leeway_seconds),
        RecentlyCleared(recheck_seconds, 100),
    )
    revocations = Revocations(
        deny_list, cache, clock, max_access_token_seconds=900, leeway_seconds=TOKENS.leeway_seconds
    )
    return Edge(clock, key, deny_list, cache, introspection, registry, authenticator, revocations)


@pytest.fixture
def edge() -> Edge:
    return build_edge()
