"""Settings of the geocoding service."""

from __future__ import annotations

from nocturna_platform.settings import HttpSettings, ServiceSettings
from pydantic import BaseModel, Field


class CacheSettings(BaseModel):
    ttl_seconds: int = Field(default=86_400, ge=1)
    """Answers only change when a new dataset is seeded (the dataset name is part of every search key)."""


class GeocodingSettings(ServiceSettings):
    service_name: str = "geocoding"
    http: HttpSettings = HttpSettings(port=8004)
    cache: CacheSettings = CacheSettings()
