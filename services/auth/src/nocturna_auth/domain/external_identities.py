"""Accounts of third-party OpenID Connect providers linked to ours, and the rules of linking them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from nocturna_auth.domain.users import DomainError


class UnknownProvider(DomainError):
    code = "unknown_provider"


class InvalidLoginState(DomainError):
    """The callback's `state` is unknown, expired, used, for another provider or not this browser's."""

    code = "invalid_state"


class IdentityRejected(DomainError):
    """The provider's answer failed verification (code exchange, ID token signature, iss, aud, exp, nonce)."""

    code = "invalid_id_token"


class ProviderUnavailable(DomainError):
    code = "provider_unavailable"


class ProviderRefused(DomainError):
    """The provider redirected back with an `error` (the user declined, a misconfiguration, ...)."""

    code = "provider_refused"


class ProviderEmailNotVerified(DomainError):
    code = "provider_email_not_verified"


class LocalAccountNotVerified(DomainError):
    """An account with the provider's email exists here but never proved it owns that address."""

    code = "account_not_verified"


@dataclass(frozen=True)
class ExternalIdentity:
    """Who the provider says signed in, from a verified ID token."""

    provider: str
    subject: str
    email: str | None
    email_verified: bool
    name: str | None = None

    def verified_email(self) -> str:
        """The address to link or register by; only one the provider vouches for."""
        if not self.email or not self.email_verified:
            raise ProviderEmailNotVerified(
                "the provider did not confirm that this email address belongs to you"
            )
        return self.email


@dataclass
class ExternalIdentityLink:
    """(provider, subject) → our user; found again by the subject even when the email there changes."""

    provider: str
    subject: str
    user_id: UUID
    created_at: datetime
    last_login_at: datetime

    def signed_in(self, now: datetime) -> None:
        self.last_login_at = now
