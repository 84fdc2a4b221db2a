"""Settings of the chart service."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Literal

from nocturna_platform.settings import DatabasePoolSettings, HttpSettings, ServiceSettings
from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator

DEVELOPMENT_KEY = base64.b64encode(b"nocturna-chart-development-key32").decode()


class RemoteEngineSettings(BaseModel):
    """Nocturna Calculations: upstream stops answering with 16+ requests in flight, hence the cap of 8."""

    base_url: str = "http://127.0.0.1:8010"
    service_token: SecretStr | None = Field(default=None, description="HS256 service JWT; rotate, never log.")
    max_in_flight: int = Field(default=8, ge=1, le=15)
    queue_timeout_seconds: float = Field(default=5.0, gt=0, description="Wait for a free slot, then 503.")
    connect_timeout_seconds: float = Field(default=1.0, gt=0)
    read_timeout_seconds: float = Field(default=5.0, gt=0)
    attempts: int = Field(default=3, ge=1, le=10, description="Tries on connection errors and 502/503/504.")
    backoff_seconds: float = Field(default=0.1, gt=0, description="Jittered exponential backoff base.")
    backoff_max_seconds: float = Field(default=1.0, gt=0)
    breaker_failures: int = Field(default=5, ge=1, description="Consecutive failures that open the circuit.")
    breaker_cooldown_seconds: float = Field(default=10.0, gt=0, description="Open time before a probe.")


class EngineSettings(BaseModel):
    kind: Literal["local", "remote"] = Field(
        default="local", description="Embedded Swiss Ephemeris, or Nocturna Calculations; never falls back."
    )
    remote: RemoteEngineSettings = RemoteEngineSettings()
    ephemeris_path: Path | None = Field(
        default=None,
        description="Swiss Ephemeris files (adds Chiron); Moshier's built-in ephemeris when unset.",
    )
    polar_fallback: str = Field(default="porphyry", pattern="^(porphyry|equal|whole_sign)$")


class EncryptionSettings(BaseModel):
    """AES-256-GCM keys by id (base64); new data is sealed with `current_key_id`, old ids still open."""

    keys: dict[str, SecretStr] = Field(default_factory=lambda: {"dev": SecretStr(DEVELOPMENT_KEY)})
    current_key_id: str = "dev"

    @field_validator("keys")
    @classmethod
    def _aes_256_keys(cls, value: dict[str, SecretStr]) -> dict[str, SecretStr]:
        for key_id, key in value.items():
            if len(base64.b64decode(key.get_secret_value())) != 32:
                raise ValueError(f"key {key_id!r} must be 32 bytes, base64-encoded (AES-256)")
        return value

    @model_validator(mode="after")
    def _current_key_exists(self) -> EncryptionSettings:
        if self.current_key_id not in self.keys:
            raise ValueError("current_key_id must name one of the keys")
        return self


class GeocodingSettings(BaseModel):
    base_url: str = "http://127.0.0.1:8004"
    connect_timeout_seconds: float = Field(default=1.0, gt=0)
    read_timeout_seconds: float = Field(default=3.0, gt=0)


class ResultCacheSettings(BaseModel):
    enabled: bool = True
    ttl_seconds: int = Field(default=86_400, ge=1, description="How long a cast result is kept in Redis.")


class QuotaSettings(BaseModel):
    unknown_plan_charts_per_month: int = Field(
        default=10,
        ge=0,
        description="Monthly limit while a new account's plan has not reached the projection.",
    )


class BatchSettings(BaseModel):
    progress_interval_seconds: float = Field(
        default=1.0, gt=0, description="A running job announces its progress at least this often."
    )
    max_chunk_records: int = Field(
        default=100, ge=1, le=1000, description="Most records created in one transaction of a job."
    )
    concurrent_jobs: int = Field(
        default=2, ge=1, description="Jobs one process runs at once (each holds a database connection)."
    )
    retention_days: float = Field(
        default=30, gt=0, description="A completed job's progress and per-record outcomes are kept this long."
    )
    purge_interval_seconds: float = Field(
        default=3600, gt=0, description="How often each replica deletes completed jobs past their retention."
    )


class ChartSettings(ServiceSettings):
    service_name: str = "chart"
    http: HttpSettings = HttpSettings(port=8002)
    database_pool: DatabasePoolSettings = DatabasePoolSettings(pre_ping=False)
    """A create is four short statements: a pre-ping would add three round trips (BEGIN, `;`, ROLLBACK) to
    every one to spare a single 503 `database_unavailable` after a database restart (the pool is then replaced)."""
    engine: EngineSettings = EngineSettings()
    encryption: EncryptionSettings = EncryptionSettings()
    quota: QuotaSettings = QuotaSettings()
    geocoding: GeocodingSettings = GeocodingSettings()
    batch: BatchSettings = BatchSettings()
    result_cache: ResultCacheSettings = ResultCacheSettings()

    @model_validator(mode="after")
    def _no_development_key_in_production(self) -> ChartSettings:
        in_use = {key.get_secret_value() for key in self.encryption.keys.values()}
        if not self.is_development and DEVELOPMENT_KEY in in_use:
            raise ValueError("ENCRYPTION__KEYS must be set outside development")
        if self.engine.kind == "remote" and self.engine.remote.service_token is None:
            raise ValueError("ENGINE__REMOTE__SERVICE_TOKEN is required with ENGINE__KIND=remote")
        return self
