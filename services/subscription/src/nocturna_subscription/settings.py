"""Settings of the subscription service."""

from __future__ import annotations

import base64
from typing import Literal

from nocturna_platform.settings import HttpSettings, ServiceSettings
from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator

DEVELOPMENT_KEY = base64.b64encode(b"nocturna-dev-billing-info-key-32").decode()
DEVELOPMENT_SANDBOX_SECRET = "whsec_sandbox_development_only"  # noqa: S105 (refused outside development)


class BillingSettings(BaseModel):
    """Which provider takes payments, where checkouts return to, and the key that encrypts billing info."""

    provider: Literal["sandbox", "stripe"] = "sandbox"
    public_base_url: str = "http://127.0.0.1:8000"
    success_url: str = "http://127.0.0.1:8000/billing/success"
    cancel_url: str = "http://127.0.0.1:8000/billing/canceled"
    portal_return_url: str = "http://127.0.0.1:8000/account/billing"
    webhook_tolerance_seconds: int = Field(default=300, ge=1)
    sandbox_webhook_secret: SecretStr = SecretStr(DEVELOPMENT_SANDBOX_SECRET)
    stripe_api_key: SecretStr | None = None
    stripe_webhook_secret: SecretStr | None = None
    stripe_prices: dict[str, str] = Field(default_factory=dict, description="plan code → Stripe price id")
    encryption_key: SecretStr = SecretStr(DEVELOPMENT_KEY)
    encryption_key_id: str = "dev"

    @field_validator("encryption_key")
    @classmethod
    def _is_aes_256_key(cls, value: SecretStr) -> SecretStr:
        if len(base64.b64decode(value.get_secret_value())) != 32:
            raise ValueError("must be 32 bytes, base64-encoded (AES-256)")
        return value

    @model_validator(mode="after")
    def _stripe_is_configured(self) -> BillingSettings:
        if self.provider == "stripe" and (self.stripe_api_key is None or self.stripe_webhook_secret is None):
            raise ValueError(
                "BILLING__STRIPE_API_KEY and BILLING__STRIPE_WEBHOOK_SECRET are required for Stripe"
            )
        return self


class SubscriptionSettings(ServiceSettings):
    service_name: str = "subscription"
    http: HttpSettings = HttpSettings(port=8003)
    billing: BillingSettings = BillingSettings()

    @model_validator(mode="after")
    def _no_development_secrets_in_production(self) -> SubscriptionSettings:
        if self.is_development:
            return self
        if self.billing.encryption_key.get_secret_value() == DEVELOPMENT_KEY:
            raise ValueError("BILLING__ENCRYPTION_KEY must be set outside development")
        if self.billing.sandbox_webhook_secret.get_secret_value() == DEVELOPMENT_SANDBOX_SECRET:
            raise ValueError("BILLING__SANDBOX_WEBHOOK_SECRET must be set outside development")
        return self
