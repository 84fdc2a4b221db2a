"""Settings of the subscription service."""

from __future__ import annotations

from nocturna_platform.settings import HttpSettings, ServiceSettings


class SubscriptionSettings(ServiceSettings):
    service_name: str = "subscription"
    http: HttpSettings = HttpSettings(port=8003)
