"""In-memory billing for unit tests: a fake provider and the billing repositories of the fake unit of work."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from nocturna_subscription.domain.billing import (
    BillingEvent,
    BillingInfo,
    Checkout,
    CheckoutRequest,
    CheckoutSession,
    InvalidWebhookSignature,
    ProviderState,
)
from nocturna_subscription.domain.subscriptions import Plan

SIGNATURE_HEADER = "fake-signature"


class ProviderDown(ConnectionError):
    """The fake provider's answer to a call while `down` is set."""


class FakeBillingProvider:
    """A provider held in memory: sessions by idempotency key, scheduled changes recorded, webhooks that are
    a `BillingEvent` as JSON signed with HMAC-SHA256. Set `down` to make its API calls fail."""

    def __init__(self, name: str = "fake", secret: str = "fake-secret") -> None:
        self.name = name
        self._secret = secret.encode()
        self.sessions: dict[str, CheckoutSession] = {}
        self.scheduled: list[tuple[str, str | None]] = []
        self.down = False

    async def create_checkout(
        self, *, checkout_id: UUID, user_id: UUID, plan: Plan, customer_id: str | None, idempotency_key: str
    ) -> CheckoutSession:
        self._check_up()
        if idempotency_key not in self.sessions:
            number = len(self.sessions) + 1
            self.sessions[idempotency_key] = CheckoutSession(
                f"cs_{self.name}_{number}", f"https://{self.name}.test/checkout/{checkout_id}"
            )
        return self.sessions[idempotency_key]

    async def portal_link(self, customer_id: str) -> str:
        self._check_up()
        return f"https://{self.name}.test/portal/{customer_id}"

    async def schedule_change(self, provider_subscription_id: str, plan: Plan | None) -> None:
        self._check_up()
        self.scheduled.append((provider_subscription_id, plan.code if plan else None))

    def webhook(self, event: BillingEvent) -> tuple[bytes, dict[str, str]]:
        payload = json.dumps(dataclasses.asdict(event), default=str, sort_keys=True).encode()
        return payload, {SIGNATURE_HEADER: hmac.new(self._secret, payload, hashlib.sha256).hexdigest()}

    def parse_webhook(self, payload: bytes, headers: Mapping[str, str], now: datetime) -> BillingEvent:
        expected = hmac.new(self._secret, payload, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, headers.get(SIGNATURE_HEADER, "")):
            raise InvalidWebhookSignature("signature mismatch")
        return _event(json.loads(payload))

    def _check_up(self) -> None:
        if self.down:
            raise ProviderDown(self.name)


def _event(data: dict[str, Any]) -> BillingEvent:
    state, info = data["state"], data["billing_info"]
    return BillingEvent(
        provider=data["provider"],
        event_id=data["event_id"],
        kind=data["kind"],
        occurred_at=_at(data["occurred_at"]),
        user_id=UUID(data["user_id"]) if data["user_id"] else None,
        checkout_id=UUID(data["checkout_id"]) if data["checkout_id"] else None,
        state=ProviderState(
            plan_code=state["plan_code"],
            status=state["status"],
            period_start=_at(state["period_start"]),
            period_end=_at(state["period_end"]),
            cancel_at_period_end=state["cancel_at_period_end"],
            provider_subscription_id=state["provider_subscription_id"],
        )
        if state
        else None,
        billing_info=BillingInfo(**info) if info else None,
    )


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


class InMemoryBillingCustomerRepository:
    def __init__(self, customers: dict[UUID, BillingInfo]) -> None:
        self._customers = customers

    async def get(self, user_id: UUID) -> BillingInfo | None:
        return self._customers.get(user_id)

    async def put(self, user_id: UUID, info: BillingInfo, now: datetime) -> None:
        self._customers[user_id] = info

    async def erase(self, user_id: UUID) -> None:
        self._customers.pop(user_id, None)


class InMemoryCheckoutRepository:
    def __init__(self, checkouts: dict[UUID, Checkout]) -> None:
        self._checkouts = checkouts

    async def add(self, checkout: Checkout) -> None:
        self._checkouts[checkout.id] = dataclasses.replace(checkout)

    async def get(self, checkout_id: UUID) -> Checkout | None:
        found = self._checkouts.get(checkout_id)
        return dataclasses.replace(found) if found else None

    async def save(self, checkout: Checkout) -> None:
        self._checkouts[checkout.id] = dataclasses.replace(checkout)


@dataclasses.dataclass
class StoredWebhook:
    payload: str | None
    user_id: UUID | None = None
    outcome: str | None = None
    processed_at: datetime | None = None


class InMemoryWebhookLog:
    def __init__(self, webhooks: dict[tuple[str, str], StoredWebhook]) -> None:
        self._webhooks = webhooks

    async def store(self, provider: str, event_id: str, payload: str, received_at: datetime) -> None:
        self._webhooks.setdefault((provider, event_id), StoredWebhook(payload))

    async def claim_unprocessed(self, provider: str, event_id: str) -> bool:
        found = self._webhooks.get((provider, event_id))
        return found is not None and found.processed_at is None

    async def mark_processed(
        self, provider: str, event_id: str, user_id: UUID | None, outcome: str, now: datetime
    ) -> None:
        stored = self._webhooks[(provider, event_id)]
        self._webhooks[(provider, event_id)] = dataclasses.replace(
            stored, user_id=user_id, outcome=outcome, processed_at=now
        )

    async def erase_payloads_of(self, user_id: UUID) -> None:
        for key, stored in self._webhooks.items():
            if stored.user_id == user_id:
                self._webhooks[key] = dataclasses.replace(stored, payload=None)


class InMemoryCheckoutRequestRepository:
    def __init__(self, requests: dict[tuple[UUID, str], CheckoutRequest]) -> None:
        self._requests = requests

    async def reserve(self, request: CheckoutRequest, now: datetime) -> CheckoutRequest:
        key = (request.user_id, request.key)
        stored = self._requests.get(key)
        if stored is not None and stored.expires_at > now:
            return stored
        self._requests[key] = request
        return request

    async def complete(self, request: CheckoutRequest, session: CheckoutSession) -> None:
        key = (request.user_id, request.key)
        if (
            self._requests.get(key, None) is not None
            and self._requests[key].checkout_id == request.checkout_id
        ):
            self._requests[key] = dataclasses.replace(request, session=session)

    async def release(self, request: CheckoutRequest) -> None:
        key = (request.user_id, request.key)
        if key in self._requests and self._requests[key].checkout_id == request.checkout_id:
            del self._requests[key]
