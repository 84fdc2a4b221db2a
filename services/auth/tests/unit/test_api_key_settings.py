from __future__ import annotations

import base64
import os

import pytest
from nocturna_auth.settings import ApiKeySettings, AuthSettings, TokenIssuingSettings
from pydantic import SecretStr, ValidationError


def _key(size: int = 32) -> SecretStr:
    return SecretStr(base64.b64encode(os.urandom(size)).decode())


def test_the_development_pepper_is_refused_outside_development() -> None:
    issuing = TokenIssuingSettings(key_encryption_key=_key())
    with pytest.raises(ValidationError, match="API_KEYS__HASH_KEY"):
        AuthSettings(environment="production", issuing=issuing)
    AuthSettings(environment="production", issuing=issuing, api_keys=ApiKeySettings(hash_key=_key()))


def test_a_short_pepper_is_refused() -> None:
    with pytest.raises(ValidationError):
        ApiKeySettings(hash_key=_key(16))
