"""Settings of the geocoding service."""

from __future__ import annotations

from nocturna_platform.settings import HttpSettings, ServiceSettings


class GeocodingSettings(ServiceSettings):
    service_name: str = "geocoding"
    http: HttpSettings = HttpSettings(port=8004)
