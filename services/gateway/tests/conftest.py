from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlparse
from uuid import UUID

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request
from nocturna_gateway.bootstrap import GatewayService
from nocturna_gateway.edge.api_keys import ApiKeyGrant
from nocturna_gateway.edge.authenticator import ApiKeyResolver, EdgeAuthenticator
from nocturna_gateway.edge.deny_list import RecentlyCleared
from nocturna_gateway.edge.metrics import EdgeAuthMetrics
from nocturna_gateway.edge.revocations import Revocations
from nocturna_gateway.edge.verified_tokens import VerifiedTokens
from nocturna_gateway.rate_limiting.redis_limiter import RateLimitKeys
from nocturna_gateway.settings import (
    CorsSettings,
    EdgeAuthSettings,
    GatewaySettings,
    RateLimitSettings,
    ResilienceSettings,
    SecurityHeaderSettings,
    UpstreamSettings,
    UpstreamTimeout,
    UpstreamTimeouts,
)
from nocturna_platform.security import (
    SigningKey,
    StaticKeySet,
    TokenVerifier,
    VerificationKeys,
    issue_access_token,
)
from nocturna_platform.settings import HttpSettings, TokenVerificationSettings
from nocturna_platform.testing.faults import TcpProxy
from nocturna_platform.testing.service_processes import free_port
from prometheus_client import CollectorRegistry
from pydantic import BaseModel, SecretStr

from services.gateway.tests.auth_stand_in import JWKS_PATH, AuthStandIn
from services.gateway.tests.fakes import (
    FakeApiKeyIntrospection,
    InMemoryApiKeyCache,
    InMemoryDenyList,
    InMemoryRateLimiter,
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
    rate_limiter: InMemoryRateLimiter
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
    rate_limiter = InMemoryRateLimiter(RateLimitKeys("test:"))
    revocations = Revocations(
        deny_list,
        cache,
        clock,
        erase_plan=rate_limiter.erase_plan,
        max_access_token_seconds=900,
        leeway_seconds=TOKENS.leeway_seconds,
    )
    return Edge(
        clock, key, deny_list, cache, introspection, registry, authenticator, revocations, rate_limiter
    )


@pytest.fixture
def edge() -> Edge:
    return build_edge()


PREFIXES = {
    "auth": "/api/v1/auth",
    "chart": "/api/v1/charts",
    "geocoding": "/api/v1/geo",
    "subscription": "/api/v1/plans",
}
ALLOWED_ORIGIN = "https://app.nocturna.test"
MAX_BODY_BYTES = 4096
LIMIT = 5
"""Default and anonymous requests per minute of the limited gateway."""


def place_model(service: str) -> type[BaseModel]:
    """Every upstream has a `Place` schema; chart's differs from the others'."""
    if service == "chart":

        class Place(BaseModel):
            latitude: float

        return Place

    class Place(BaseModel):  # type: ignore[no-redef]
        name: str

    return Place


def upstream_app(service: str) -> FastAPI:
    """A small stand-in for one service: its own paths, and a `Place` schema that differs between services."""
    app = FastAPI(title=service)
    prefix = PREFIXES[service]
    place = place_model(service)
    app.state.hits = 0

    @app.get(prefix + "/echo", operation_id=f"{service}_echo")
    async def echo(request: Request) -> dict[str, object]:
        app.state.hits += 1
        return {"service": service, "forwarded_for": request.headers.get("x-forwarded-for")}

    @app.get(prefix + "/echo/{segment}", operation_id=f"{service}_echo_segment")
    async def echo_segment(segment: str, request: Request) -> dict[str, object]:
        return {
            "segment": segment,
            "raw_path": request.scope["raw_path"].decode(),
            "query": request.url.query,
        }

    @app.post(prefix + "/echo", operation_id=f"{service}_upload")
    async def upload(request: Request) -> dict[str, int]:
        app.state.hits += 1
        return {"bytes": len(await request.body())}

    @app.get(prefix + "/slow")
    async def slow() -> dict[str, str]:
        await asyncio.sleep(3)
        return {"late": "yes"}

    @app.post(prefix + "/place", response_model=place)
    async def echo_place(body: dict[str, object]) -> BaseModel:
        return place.model_validate(body)

    @app.get("/internal/" + service)
    async def internal() -> dict[str, str]:
        return {}

    return app


class LocalUpstream:
    """An upstream served over real HTTP on a loopback port, startable and stoppable by a test."""

    def __init__(self, service: str, port: int | None = None) -> None:
        self.service = service
        self.port = port or free_port()
        self.app = upstream_app(service)
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task
            self._server = None


@dataclass
class GatewayHarness:
    service: GatewayService
    client: httpx.AsyncClient
    upstreams: dict[str, LocalUpstream]
    auth: AuthStandIn
    redis_proxy: TcpProxy | None = None
    closed_ports: dict[str, int] = field(default_factory=dict)

    def metric(self, name: str, **labels: str) -> float:
        value = self.service.shell.metrics.registry.get_sample_value(name, labels)
        return value or 0.0


@pytest.fixture(scope="session")
def auth_stand_in() -> AuthStandIn:
    return AuthStandIn(TOKENS)


@pytest.fixture(scope="session")
async def upstreams(
    test_env: dict[str, str], auth_stand_in: AuthStandIn
) -> AsyncIterator[dict[str, LocalUpstream]]:
    """The four upstreams; auth's also answers the gateway's edge authentication (`AuthStandIn`)."""
    servers = {service: LocalUpstream(service) for service in PREFIXES}
    auth_stand_in.install(servers["auth"].app)
    for server in servers.values():
        await server.start()
    yield servers
    for server in servers.values():
        await server.stop()


@asynccontextmanager
async def serving_gateway(
    settings: GatewaySettings,
) -> AsyncIterator[tuple[GatewayService, httpx.AsyncClient]]:
    service = GatewayService(settings)
    async with service.app.router.lifespan_context(service.app):
        # A trusted proxy's address: tests name the client in X-Forwarded-For, as the ingress would.
        transport = httpx.ASGITransport(app=service.app, client=("127.0.0.1", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
            yield service, client


def verified_by(auth: AuthStandIn, upstreams: dict[str, LocalUpstream]) -> TokenVerificationSettings:
    """Tokens signed by the auth stand-in, whose JWKS the live auth upstream serves."""
    return TOKENS.model_copy(update={"jwks_url": upstreams["auth"].url + JWKS_PATH})


@pytest.fixture(scope="session")
async def gateway(
    test_env: dict[str, str], upstreams: dict[str, LocalUpstream], auth_stand_in: AuthStandIn
) -> AsyncIterator[GatewayHarness]:
    """The gateway in front of four live upstreams, with small limits; its rate-limit Redis behind a cuttable proxy."""
    redis = urlparse(test_env["REDIS_URL"])
    redis_proxy = await TcpProxy(redis.hostname or "127.0.0.1", redis.port or 6379).start()
    redis_url = test_env["REDIS_URL"].replace(
        redis.netloc.rpartition("@")[2], f"127.0.0.1:{redis_proxy.port}"
    )
    settings = GatewaySettings(
        http=HttpSettings(port=8000, max_body_bytes=MAX_BODY_BYTES),
        upstreams=UpstreamSettings(**{name: server.url for name, server in upstreams.items()}),
        rate_limit=RateLimitSettings(
            default_per_minute=LIMIT,
            anonymous_per_minute=LIMIT,
            redis_url=SecretStr(redis_url),
            outage_cooldown_seconds=0.3,
        ),
        resilience=ResilienceSettings(
            timeouts=UpstreamTimeouts(subscription=UpstreamTimeout(read_seconds=0.5)),
        ),
        cors=CorsSettings(allowed_origins=[ALLOWED_ORIGIN]),
        security_headers=SecurityHeaderSettings(hsts_max_age_seconds=31_536_000),
        tokens=verified_by(auth_stand_in, upstreams),
        edge_auth=EdgeAuthSettings(
            service_client_id=auth_stand_in.client_id,
            service_client_secret=SecretStr(auth_stand_in.client_secret),
        ),
    )
    async with serving_gateway(settings) as (service, client):
        yield GatewayHarness(service, client, upstreams, auth_stand_in, redis_proxy=redis_proxy)
    await redis_proxy.stop()


@pytest.fixture(scope="session")
async def faulty_gateway(
    test_env: dict[str, str], upstreams: dict[str, LocalUpstream], auth_stand_in: AuthStandIn
) -> AsyncIterator[GatewayHarness]:
    """Only subscription is up; auth, chart and geocoding point at closed ports. No rate limits. Tokens are
    verified with the live auth upstream's JWKS (API keys are not: introspection would reach the closed port)."""
    closed = {name: free_port() for name in ("auth", "chart", "geocoding")}
    settings = GatewaySettings(
        upstreams=UpstreamSettings(
            subscription=upstreams["subscription"].url,
            **{name: f"http://127.0.0.1:{port}" for name, port in closed.items()},
        ),
        rate_limit=RateLimitSettings(enabled=False),
        resilience=ResilienceSettings(
            retries=2, retry_backoff_seconds=0.3, breaker_failure_threshold=3, breaker_cooldown_seconds=1.0
        ),
        tokens=verified_by(auth_stand_in, upstreams),
    )
    async with serving_gateway(settings) as (service, client):
        yield GatewayHarness(service, client, upstreams, auth_stand_in, closed_ports=closed)
