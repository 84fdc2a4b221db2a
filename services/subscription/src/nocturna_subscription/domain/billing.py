"""Billing through an external provider: checkouts, signed webhooks, the customer's billing info."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol
from uuid import UUID

from nocturna_subscription.domain.subscriptions import Plan, Status, Subscription

WebhookKind = Literal["checkout_completed", "checkout_failed", "subscription_updated", "ignored"]


class InvalidWebhookSignature(Exception):
    """The webhook was not signed by the provider (or is too old to trust): nothing may change."""


@dataclass(frozen=True)
class BillingInfo:
    """All we keep about a paying customer; never card data. Stored encrypted."""

    provider: str
    customer_id: str
    email: str | None
    country: str | None


@dataclass(frozen=True)
class ProviderState:
    """The provider's full view of a subscription at `occurred_at`; a webhook carries one."""

    plan_code: str
    status: Status
    period_start: datetime
    period_end: datetime
    cancel_at_period_end: bool
    provider_subscription_id: str | None


@dataclass(frozen=True)
class BillingEvent:
    """A verified provider webhook, translated out of the provider's vocabulary."""

    provider: str
    event_id: str
    kind: WebhookKind
    occurred_at: datetime
    user_id: UUID | None = None
    checkout_id: UUID | None = None
    state: ProviderState | None = None
    billing_info: BillingInfo | None = None


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str


class BillingProvider(Protocol):
    """A payment provider: opens checkouts, links to its customer portal, verifies and translates webhooks."""

    name: str

    async def create_checkout(
        self, *, checkout_id: UUID, user_id: UUID, plan: Plan, customer_id: str | None, idempotency_key: str
    ) -> CheckoutSession:
        """A session for `plan`; a repeated `idempotency_key` answers the first session again."""
        ...

    async def portal_link(self, customer_id: str) -> str: ...

    async def schedule_change(self, provider_subscription_id: str, plan: Plan | None) -> None:
        """At the end of the current period, move to `plan`, or end the paid subscription (None)."""
        ...

    def parse_webhook(self, payload: bytes, headers: Mapping[str, str], now: datetime) -> BillingEvent:
        """Verify the signature (raising `InvalidWebhookSignature`) and translate the event."""
        ...


class ProviderNotConfigured(LookupError):
    """A subscription is billed by a provider this deployment has no credentials for."""


@dataclass(frozen=True)
class BillingProviders:
    """The configured providers by name: `default` opens new checkouts; a subscription stays with its own."""

    default: BillingProvider
    by_name: Mapping[str, BillingProvider]

    def named(self, name: str) -> BillingProvider:
        provider = self.by_name.get(name)
        if provider is None:
            raise ProviderNotConfigured(name)
        return provider

    def billing(self, subscription: Subscription) -> BillingProvider:
        """The provider that bills `subscription` (the default for one no provider billed yet)."""
        return self.default if subscription.provider is None else self.named(subscription.provider)


@dataclass
class Checkout:
    """A checkout we opened at the provider for an upgrade; the provider's webhook settles it."""

    id: UUID
    user_id: UUID
    plan_code: str
    provider: str
    session_id: str
    status: Literal["open", "completed", "failed"]
    created_at: datetime


class IdempotencyKeyReused(Exception):
    """The `Idempotency-Key` was used before for a different request."""


class CheckoutRequestInProgress(Exception):
    """A request with the same `Idempotency-Key` is still waiting for the provider."""


@dataclass(frozen=True)
class CheckoutRequest:
    """A checkout asked for with an `Idempotency-Key`: until `expires_at`, the same key with the same request
    (`fingerprint`) answers the same session, and the key with another request is refused."""

    user_id: UUID
    key: str
    fingerprint: str
    checkout_id: UUID
    created_at: datetime
    expires_at: datetime
    session: CheckoutSession | None = None
