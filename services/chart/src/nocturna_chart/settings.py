"""Settings of the chart service."""

from __future__ import annotations

from nocturna_platform.settings import HttpSettings, ServiceSettings


class ChartSettings(ServiceSettings):
    service_name: str = "chart"
    http: HttpSettings = HttpSettings(port=8002)
