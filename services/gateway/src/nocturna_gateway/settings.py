"""Settings of the gateway."""

from __future__ import annotations

from typing import Self

from nocturna_platform.settings import HttpSettings, ServiceSettings
from pydantic import BaseModel, Field, SecretStr, model_validator


class UpstreamSettings(BaseModel):
    auth: str = "http://127.0.0.1:8001"
    chart: str = "http://127.0.0.1:8002"
    subscription: str = "http://127.0.0.1:8003"
    geocoding: str = "http://127.0.0.1:8004"


class ProxySettings(BaseModel):
    """Connection limits are totals, shared evenly by `pools` connection pools used in turn."""

    pool_timeout_seconds: float = Field(
        default=1.0, gt=0, description="Waiting for a free pooled connection."
    )
    keepalive_expiry_seconds: float = Field(
        default=30.0,
        gt=0,
        description="Below the upstreams' keep-alive timeout (HTTP__KEEP_ALIVE_SECONDS, 75 s), so no request "
        "races a close.",
    )
    max_connections: int = Field(default=200, ge=1)
    max_keepalive_connections: int = Field(default=50, ge=1)
    pools: int = Field(default=8, ge=1, le=64)


class EdgeAuthSettings(BaseModel):
    """Edge authentication: the service client the gateway introspects API keys with, and cache lifetimes."""

    service_client_id: str | None = Field(
        default=None,
        description="Client id from auth's `create-service-client`; without it API keys are refused.",
    )
    service_client_secret: SecretStr | None = None
    api_key_cache_seconds: float = Field(default=30.0, gt=0, le=300)
    api_key_negative_cache_seconds: float = Field(default=5.0, gt=0, le=60)
    introspection_timeout_seconds: float = Field(default=2.0, gt=0)
    max_access_token_seconds: int = Field(
        default=900,
        ge=60,
        le=3600,
        description="Deny-list lifetime when an event does not say when tokens end.",
    )
    verified_token_cache_size: int = Field(default=10_000, ge=0)
    deny_list_recheck_seconds: float = Field(
        default=1.0,
        ge=0,
        le=10,
        description="How long a cleared principal skips the deny-list lookup (0: never).",
    )


class WebSocketSettings(BaseModel):
    """`/api/v1/ws`: handshake and heartbeat timing, per-socket send queue, replay buffer bounds."""

    auth_timeout_seconds: float = Field(default=5.0, gt=0)
    heartbeat_interval_seconds: float = Field(default=20.0, gt=0)
    heartbeat_timeout_seconds: float = Field(default=45.0, gt=0)
    send_queue_size: int = Field(default=256, ge=1)
    max_client_message_bytes: int = Field(default=8192, ge=256)
    close_timeout_seconds: float = Field(default=2.0, gt=0)
    replay_max_events: int = Field(default=500, ge=0)
    replay_max_age_seconds: int = Field(default=300, ge=1)
    instance_queue_max_length: int = Field(default=100_000, ge=1)
    instance_queue_prefetch: int = Field(default=256, ge=1)
    instance_queue_expires_seconds: float = Field(default=300.0, ge=1)
    """A replica's queue outlives a lost broker connection (events wait for the reconnect), and a dead
    replica's queue is deleted by the broker after this long unused."""

    @model_validator(mode="after")
    def _a_pong_has_time_to_arrive(self) -> Self:
        if self.heartbeat_timeout_seconds <= self.heartbeat_interval_seconds:
            raise ValueError("heartbeat_timeout_seconds must exceed heartbeat_interval_seconds")
        return self


class UpstreamTimeout(BaseModel):
    connect_seconds: float = Field(default=1.0, gt=0)
    read_seconds: float = Field(
        default=15.0, gt=0, description="Per read of the answer, not the whole answer."
    )


class UpstreamTimeouts(BaseModel):
    """Per upstream; chart's read timeout is longer for calculations and batch requests."""

    auth: UpstreamTimeout = UpstreamTimeout(read_seconds=10.0)
    chart: UpstreamTimeout = UpstreamTimeout(read_seconds=30.0)
    subscription: UpstreamTimeout = UpstreamTimeout(read_seconds=10.0)
    geocoding: UpstreamTimeout = UpstreamTimeout(read_seconds=10.0)


class ResilienceSettings(BaseModel):
    """Retries (idempotent methods, connect errors only) and one circuit breaker per upstream."""

    timeouts: UpstreamTimeouts = UpstreamTimeouts()
    retries: int = Field(default=2, ge=0, le=5)
    retry_backoff_seconds: float = Field(default=0.05, ge=0)
    breaker_failure_threshold: int = Field(default=5, ge=1)
    breaker_cooldown_seconds: float = Field(default=10.0, gt=0)


class RateLimitSettings(BaseModel):
    """Requests per minute: a principal's from its plan (projection of subscription changes), else these."""

    enabled: bool = True
    default_per_minute: int = Field(
        default=60, ge=1, description="The free plan's, for users of no known plan."
    )
    anonymous_per_minute: int = Field(
        default=60, ge=1, description="Per client IP, for requests without a principal."
    )
    redis_url: SecretStr | None = Field(default=None, description="Defaults to REDIS_URL.")
    redis_timeout_seconds: float = Field(default=0.25, gt=0)
    outage_cooldown_seconds: float = Field(default=5.0, gt=0, description="Fail open without asking Redis.")


class CorsSettings(BaseModel):
    allowed_origins: list[str] = Field(
        default_factory=list, description='Exact origins, or ["*"] (no credentials).'
    )
    allow_credentials: bool = True
    allowed_headers: list[str] = Field(
        default_factory=lambda: [
            "Authorization",
            "Content-Type",
            "Idempotency-Key",
            "X-API-Key",
            "X-Request-ID",
        ]
    )
    max_age_seconds: int = Field(default=600, ge=0)


class SecurityHeaderSettings(BaseModel):
    hsts_max_age_seconds: int | None = Field(
        default=None, ge=0, description="Set where served over TLS only."
    )
    hsts_include_subdomains: bool = True
    referrer_policy: str = "no-referrer"


class ApiDocsSettings(BaseModel):
    """The merged OpenAPI document: refetched from every upstream on this period."""

    refresh_seconds: float = Field(default=60.0, gt=0)
    fetch_timeout_seconds: float = Field(default=3.0, gt=0)


class GatewaySettings(ServiceSettings):
    service_name: str = "gateway"
    http: HttpSettings = HttpSettings(port=8000)
    upstreams: UpstreamSettings = UpstreamSettings()
    proxy: ProxySettings = ProxySettings()
    edge_auth: EdgeAuthSettings = EdgeAuthSettings()
    websocket: WebSocketSettings = WebSocketSettings()
    resilience: ResilienceSettings = ResilienceSettings()
    rate_limit: RateLimitSettings = RateLimitSettings()
    cors: CorsSettings = CorsSettings()
    security_headers: SecurityHeaderSettings = SecurityHeaderSettings()
    api_docs: ApiDocsSettings = ApiDocsSettings()
