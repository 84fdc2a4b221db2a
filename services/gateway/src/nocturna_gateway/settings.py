"""Settings of the gateway."""

from __future__ import annotations

from nocturna_platform.settings import HttpSettings, ServiceSettings
from pydantic import BaseModel, Field, SecretStr


class UpstreamSettings(BaseModel):
    auth: str = "http://127.0.0.1:8001"
    chart: str = "http://127.0.0.1:8002"
    subscription: str = "http://127.0.0.1:8003"
    geocoding: str = "http://127.0.0.1:8004"


class ProxySettings(BaseModel):
    """Connection limits are totals, shared evenly by `pools` connection pools used in turn."""

    connect_timeout_seconds: float = Field(default=1.0, gt=0)
    read_timeout_seconds: float = Field(default=15.0, gt=0)
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


class GatewaySettings(ServiceSettings):
    service_name: str = "gateway"
    http: HttpSettings = HttpSettings(port=8000)
    upstreams: UpstreamSettings = UpstreamSettings()
    proxy: ProxySettings = ProxySettings()
    edge_auth: EdgeAuthSettings = EdgeAuthSettings()
