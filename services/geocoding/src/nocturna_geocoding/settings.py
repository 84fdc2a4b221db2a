"""Settings of the geocoding service."""

from __future__ import annotations

from nocturna_platform.settings import DatabasePoolSettings, HttpSettings, ServiceSettings
from pydantic import BaseModel, Field


class CacheSettings(BaseModel):
    ttl_seconds: int = Field(default=86_400, ge=1)
    """Answers only change when a new dataset is seeded (the dataset name is part of every search key)."""
    local_entries: int = Field(default=4_096, ge=0)
    """Answers also kept in process (least recently used evicted; 0: Redis only). A hit there costs ~5 µs;
    a Redis round trip ~90 µs of CPU, more than resolving a timezone."""


class RemoteGeocodingSettings(BaseModel):
    """Nominatim, asked only when the local data finds nothing; off by default (its usage policy requires an
    identifying user agent and at most one request per second on the public instance)."""

    enabled: bool = False
    domain: str = "nominatim.openstreetmap.org"
    user_agent: str = "nocturna-geocoding"
    timeout_seconds: float = Field(default=3.0, gt=0)


class GeocodingSettings(ServiceSettings):
    service_name: str = "geocoding"
    http: HttpSettings = HttpSettings(port=8004)
    database_pool: DatabasePoolSettings = DatabasePoolSettings(size=16, max_overflow=4, pre_ping=False)
    """Every request is one read: a pre-ping would triple its round trips to spare one 503 after a restart.
    16 connections stay pooled: at 16 searches in flight, a pool of 10 closed and reopened its overflow
    connections all the time, and each new connection costs Postgres a backend and its statements' plans."""
    cache: CacheSettings = CacheSettings()
    remote: RemoteGeocodingSettings = RemoteGeocodingSettings()
