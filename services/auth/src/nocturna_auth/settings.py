"""Settings of the auth service."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Literal

from nocturna_platform.settings import HttpSettings, ServiceSettings
from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator

from nocturna_auth.domain.scopes import SCOPE_CATALOGUE

DEVELOPMENT_KEY = base64.b64encode(b"nocturna-development-only-key-32").decode()
DEVELOPMENT_API_KEY_PEPPER = base64.b64encode(b"nocturna-development-api-key-pepper").decode()


class TokenIssuingSettings(BaseModel):
    issuer: str = "http://127.0.0.1:8000"
    audience: str = "nocturna"
    access_token_ttl_seconds: int = Field(default=900, ge=60, le=3600)
    session_ttl_seconds: int = Field(default=30 * 86_400, ge=3600, description="absolute session lifetime")
    key_encryption_key: SecretStr = SecretStr(DEVELOPMENT_KEY)
    key_encryption_key_id: str = "dev"
    refresh_token_ttl_seconds: int = Field(
        default=14 * 86_400, ge=300, description="idle timeout: a refresh token unused this long expires"
    )
    refresh_token_reuse_grace_seconds: float = Field(
        default=10.0,
        ge=0,
        le=60,
        description="a rotated refresh token presented again this soon gets the same new pair (concurrency)",
    )
    key_rotation_days: int = Field(default=30, ge=1, description="age at which a new signing key takes over")
    key_reload_seconds: float = Field(
        default=60.0, ge=0, description="how often a replica re-reads the current signing key"
    )
    maintenance_interval_seconds: float = Field(
        default=300.0, gt=0, description="how often key rotation is checked and spent refresh tokens purged"
    )
    scopes_supported: list[str] = Field(default_factory=lambda: sorted(SCOPE_CATALOGUE))

    @field_validator("key_encryption_key")
    @classmethod
    def _is_aes_256_key(cls, value: SecretStr) -> SecretStr:
        if len(base64.b64decode(value.get_secret_value())) != 32:
            raise ValueError("must be 32 bytes, base64-encoded (AES-256)")
        return value


class PasswordHashingSettings(BaseModel):
    time_cost: int = Field(default=3, ge=1)
    memory_cost_kib: int = Field(default=65_536, ge=8_192)
    parallelism: int = Field(default=2, ge=1)
    workers: int = Field(
        default=2,
        ge=1,
        le=64,
        description="threads hashing and verifying off the event loop; each holds memory_cost_kib while it works",
    )
    max_pending: int = Field(
        default=32,
        ge=1,
        description="hashes waiting or running at once; one more is refused with 503 overloaded (Retry-After 1)",
    )


class ApiKeySettings(BaseModel):
    hash_key: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_API_KEY_PEPPER),
        description="pepper of the HMAC-SHA256 over key secrets, base64, at least 32 bytes; changing it voids every key",
    )
    max_active_per_user: int = Field(default=20, ge=1, le=1000)

    @field_validator("hash_key")
    @classmethod
    def _is_long_enough(cls, value: SecretStr) -> SecretStr:
        if len(base64.b64decode(value.get_secret_value())) < 32:
            raise ValueError("must be at least 32 bytes, base64-encoded")
        return value


class SmtpSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = Field(default=587, ge=1, le=65535)
    username: str | None = None
    password: SecretStr | None = None
    security: Literal["starttls", "tls", "none"] = Field(
        default="starttls",
        description="`starttls` upgrades a plain connection (587), `tls` is implicit TLS (465)",
    )
    timeout_seconds: float = Field(default=15.0, gt=0)


class EmailSettings(BaseModel):
    """How mail leaves: `console` writes each message as a JSON line to `file_path` (or, without a path, logs
    it without its body); `smtp` sends it. Messages wait in `auth.outgoing_emails` until sent."""

    backend: Literal["console", "smtp"] = "console"
    file_path: Path | None = None
    from_address: str = "Nocturna <no-reply@nocturna.app>"
    link_base_url: str = Field(
        default="http://127.0.0.1:3000",
        description="the web app; mails link to /verify-email, /reset-password",
    )
    smtp: SmtpSettings = SmtpSettings()
    poll_interval_seconds: float = Field(default=1.0, gt=0)
    max_attempts: int = Field(default=8, ge=1)
    retry_base_delay_seconds: float = Field(default=5.0, ge=0)
    retry_max_delay_seconds: float = Field(default=900.0, ge=0)
    retention_hours: float = Field(
        default=168.0, ge=0, description="sent or given-up rows are kept this long"
    )


class AccountTokenSettings(BaseModel):
    verification_ttl_seconds: int = Field(default=48 * 3600, ge=60)
    password_reset_ttl_seconds: int = Field(default=1800, ge=1)
    mail_cooldown_seconds: int = Field(
        default=60,
        ge=0,
        description="at most one verification/reset/notice mail per address and kind per period",
    )
    reset_request_min_seconds: float = Field(
        default=0.25,
        ge=0,
        description="a forgotten-password request never answers sooner: timing tells nothing",
    )


class LoginThrottleSettings(BaseModel):
    """Failed password sign-ins, counted in Redis per account and per client address (IPv6 per /64)."""

    account_threshold: int = Field(default=5, ge=1)
    ip_threshold: int = Field(default=50, ge=1)
    lockout_base_seconds: float = Field(default=60.0, gt=0)
    lockout_max_seconds: float = Field(default=3600.0, gt=0)
    failure_window_seconds: int = Field(
        default=86_400, ge=1, description="failures are forgotten this long after the last one"
    )


class OidcProviderSettings(BaseModel):
    """One OpenID Connect provider: its discovery document, our client at it, the scopes asked for."""

    discovery_url: str = Field(description="the provider's /.well-known/openid-configuration")
    client_id: str = Field(min_length=1)
    client_secret: SecretStr
    scopes: list[str] = Field(default_factory=lambda: ["openid", "email", "profile"])

    @field_validator("scopes")
    @classmethod
    def _asks_for_openid(cls, value: list[str]) -> list[str]:
        if "openid" not in value:
            raise ValueError("must include 'openid'")
        return value


class OidcSettings(BaseModel):
    """Sign-in with OpenID Connect providers, by name (`OIDC__PROVIDERS__<NAME>__CLIENT_ID`, ...)."""

    providers: dict[str, OidcProviderSettings] = Field(default_factory=dict)
    redirect_base_url: str | None = Field(
        default=None,
        description="public base URL of the callback (the gateway); defaults to `issuing.issuer`",
    )
    login_ttl_seconds: int = Field(default=600, ge=30, le=3600, description="time to finish a started login")
    http_timeout_seconds: float = Field(default=10.0, gt=0)
    metadata_cache_seconds: float = Field(
        default=3600.0, ge=0, description="how long discovery documents and JWKS are reused"
    )
    id_token_leeway_seconds: int = Field(default=60, ge=0, le=300)

    @field_validator("providers")
    @classmethod
    def _names_fit_in_a_path(cls, value: dict[str, OidcProviderSettings]) -> dict[str, OidcProviderSettings]:
        for name in value:
            if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,31}", name):
                raise ValueError(f"provider name {name!r} must be 1-32 of [a-z0-9-]")
        return value


class AuthSettings(ServiceSettings):
    service_name: str = "auth"
    http: HttpSettings = HttpSettings(port=8001)
    issuing: TokenIssuingSettings = TokenIssuingSettings()
    password_hashing: PasswordHashingSettings = PasswordHashingSettings()
    api_keys: ApiKeySettings = ApiKeySettings()
    email: EmailSettings = EmailSettings()
    account_tokens: AccountTokenSettings = AccountTokenSettings()
    login_throttle: LoginThrottleSettings = LoginThrottleSettings()
    oidc: OidcSettings = OidcSettings()

    @model_validator(mode="after")
    def _no_development_secrets_in_production(self) -> AuthSettings:
        if not self.is_development and self.issuing.key_encryption_key.get_secret_value() == DEVELOPMENT_KEY:
            raise ValueError("ISSUING__KEY_ENCRYPTION_KEY must be set outside development")
        return self

    @model_validator(mode="after")
    def _providers_over_https_in_production(self) -> AuthSettings:
        if not self.is_development:
            for name, provider in self.oidc.providers.items():
                if not provider.discovery_url.startswith("https://"):
                    raise ValueError(f"OIDC__PROVIDERS__{name.upper()}__DISCOVERY_URL must be https")
        return self

    @model_validator(mode="after")
    def _no_development_api_key_pepper_in_production(self) -> AuthSettings:
        if (
            not self.is_development
            and self.api_keys.hash_key.get_secret_value() == DEVELOPMENT_API_KEY_PEPPER
        ):
            raise ValueError("API_KEYS__HASH_KEY must be set outside development")
        return self
