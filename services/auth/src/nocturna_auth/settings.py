"""Settings of the auth service."""

from __future__ import annotations

import base64

from nocturna_platform.settings import HttpSettings, ServiceSettings
from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator

DEVELOPMENT_KEY = base64.b64encode(b"nocturna-development-only-key-32").decode()
DEVELOPMENT_API_KEY_PEPPER = base64.b64encode(b"nocturna-development-api-key-pepper").decode()


class TokenIssuingSettings(BaseModel):
    issuer: str = "http://127.0.0.1:8000"
    audience: str = "nocturna"
    access_token_ttl_seconds: int = Field(default=900, ge=60, le=3600)
    session_ttl_seconds: int = Field(default=30 * 86_400, ge=3600, description="absolute session lifetime")
    key_encryption_key: SecretStr = SecretStr(DEVELOPMENT_KEY)
    key_encryption_key_id: str = "dev"

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


class AuthSettings(ServiceSettings):
    service_name: str = "auth"
    http: HttpSettings = HttpSettings(port=8001)
    issuing: TokenIssuingSettings = TokenIssuingSettings()
    password_hashing: PasswordHashingSettings = PasswordHashingSettings()
    api_keys: ApiKeySettings = ApiKeySettings()

    @model_validator(mode="after")
    def _no_development_secrets_in_production(self) -> AuthSettings:
        if not self.is_development and self.issuing.key_encryption_key.get_secret_value() == DEVELOPMENT_KEY:
            raise ValueError("ISSUING__KEY_ENCRYPTION_KEY must be set outside development")
        return self

    @model_validator(mode="after")
    def _no_development_api_key_pepper_in_production(self) -> AuthSettings:
        if (
            not self.is_development
            and self.api_keys.hash_key.get_secret_value() == DEVELOPMENT_API_KEY_PEPPER
        ):
            raise ValueError("API_KEYS__HASH_KEY must be set outside development")
        return self
