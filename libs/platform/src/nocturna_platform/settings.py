"""Typed settings shared by every service: one object per service, built once in its bootstrap."""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network
from typing import Literal

from pydantic import BaseModel, Field, IPvAnyNetwork, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Environment = Literal["development", "test", "staging", "production"]


def _loopback() -> list[IPv4Network | IPv6Network]:
    return [IPv4Network("127.0.0.0/8"), IPv6Network("::1/128")]


class HttpSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    trusted_proxies: list[IPvAnyNetwork] = Field(
        default_factory=_loopback,
        description="Peers whose X-Forwarded-For is believed (the gateway, the ingress); others are the client.",
    )
    keep_alive_seconds: int = Field(default=75, ge=1)
    """How long an idle keep-alive connection is kept open. Longer than the idle timeout of the load balancers
    in front (60 s is common), so they close first and never send a request on a connection being closed;
    uvicorn's 5 s default made a client pausing ~5 s between requests meet closed connections (measured: p50
    66 ms instead of 8 ms for 200 users at one request per 5 s, and `connection closed` errors)."""
    reuse_port: bool = False
    """Bind with SO_REUSEPORT, so several processes of one service on one host share the port and the kernel
    spreads connections among them: a Python process uses one core. Off by default: one process per pod."""


class DatabasePoolSettings(BaseModel):
    size: int = Field(default=10, ge=1)
    max_overflow: int = Field(default=10, ge=0)
    timeout_seconds: float = Field(default=5.0, gt=0)
    statement_timeout_ms: int = Field(default=10_000, ge=0)
    pre_ping: bool = True
    """Test each connection as it leaves the pool (three round trips: BEGIN, `;`, ROLLBACK), so a database
    restart costs no request. Off, the first query on a dead connection fails (a 503) and the whole pool is
    replaced: a trade for read-heavy services whose requests are one cheap query."""


class MessagingSettings(BaseModel):
    """Broker topology knobs; tests set a unique exchange and queue prefix per run."""

    exchange: str = "nocturna.events"
    dead_letter_exchange: str = "nocturna.dlx"
    queue_prefix: str = ""
    prefetch: int = Field(default=32, ge=1)
    max_deliveries: int = Field(default=5, ge=1, le=50)
    retry_base_delay_seconds: float = Field(default=0.2, ge=0)
    retry_max_delay_seconds: float = Field(default=5.0, ge=0)
    queue_expires_ms: int | None = Field(default=None, ge=1000)
    batch_max_size: int = Field(default=250, ge=1, le=1000)
    batch_max_wait_ms: int = Field(default=20, ge=0, le=1000)


class OutboxSettings(BaseModel):
    batch_size: int = Field(default=500, ge=1, le=10_000)
    poll_interval_seconds: float = Field(default=1.0, gt=0)
    retry_backoff_max_seconds: float = Field(default=10.0, gt=0)
    retention_hours: float = Field(default=24.0, ge=0)


class TelemetrySettings(BaseModel):
    otlp_endpoint: str | None = None
    sample_ratio: float = Field(default=1.0, ge=0, le=1)
    tracing: bool | None = None
    """Instrument requests, queries, Redis, HTTP clients and messages; unset means on exactly when an OTLP
    endpoint is set. Without a collector no one reads the spans, and the instrumentation alone costs 0.3 to 1 ms
    of CPU per request (measured on geocoding, a third of its CPU)."""

    @field_validator("tracing", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """An empty variable (`TELEMETRY__TRACING=` in an env file) means unset, as for the endpoint."""
        return None if value == "" else value

    @property
    def tracing_enabled(self) -> bool:
        return bool(self.otlp_endpoint) if self.tracing is None else self.tracing


class LogSettings(BaseModel):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    json_format: bool = True


class TokenVerificationSettings(BaseModel):
    """How a service verifies access tokens issued by auth (JWKS fetched and cached)."""

    jwks_url: str = "http://127.0.0.1:8001/.well-known/jwks.json"
    issuer: str = "http://127.0.0.1:8000"
    audience: str = "nocturna"
    jwks_cache_seconds: float = Field(default=300.0, gt=0)
    jwks_min_refresh_seconds: float = Field(default=10.0, ge=0)
    leeway_seconds: int = Field(default=30, ge=0, le=300)


def _normalise_database_url(url: str) -> str:
    for prefix in ("postgresql://", "postgres://", "postgresql+psycopg://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url


class ServiceSettings(BaseSettings):
    """Base of every service's settings: URLs of the shared infrastructure plus nested groups (`GROUP__FIELD`)."""

    model_config = SettingsConfigDict(env_nested_delimiter="__", extra="ignore", frozen=True)

    service_name: str = "nocturna"
    environment: Environment = "development"
    database_url: SecretStr = SecretStr("postgresql+asyncpg://postgres@127.0.0.1:5432/nocturna")
    redis_url: SecretStr = SecretStr("redis://127.0.0.1:6379/0")
    redis_key_prefix: str = "nocturna:"
    amqp_url: SecretStr = SecretStr("amqp://guest:guest@127.0.0.1:5672/")
    http: HttpSettings = HttpSettings()
    database_pool: DatabasePoolSettings = DatabasePoolSettings()
    messaging: MessagingSettings = MessagingSettings()
    outbox: OutboxSettings = OutboxSettings()
    telemetry: TelemetrySettings = TelemetrySettings()
    log: LogSettings = LogSettings()
    tokens: TokenVerificationSettings = TokenVerificationSettings()

    @field_validator("database_url", mode="before")
    @classmethod
    def _asyncpg_driver(cls, value: object) -> object:
        if isinstance(value, str):
            return _normalise_database_url(value)
        if isinstance(value, SecretStr):
            return SecretStr(_normalise_database_url(value.get_secret_value()))
        return value

    @property
    def is_development(self) -> bool:
        return self.environment in ("development", "test")
