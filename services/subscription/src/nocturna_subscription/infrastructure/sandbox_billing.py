"""The built-in sandbox billing provider: deterministic, no network, signs webhooks like Stripe does.

Its checkout page is a route of this service that completes or fails the checkout; either way the result
comes back as a signed webhook through the same endpoint and pipeline as a real provider's.
Signature header: `Sandbox-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import OrderedDict
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from nocturna_subscription.domain.billing import (
    BillingEvent,
    BillingInfo,
    CheckoutSession,
    InvalidWebhookSignature,
    ProviderState,
)
from nocturna_subscription.domain.subscriptions import Plan

SIGNATURE_HEADER = "sandbox-signature"
NAME = "sandbox"
REMEMBERED_IDEMPOTENCY_KEYS = 10_000


def sign(payload: bytes, secret: str, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(payload: bytes, header: str | None, secret: str, now: datetime, tolerance_seconds: int) -> None:
    """Stripe's scheme: any `v1` signature of `t.body` matching, and `t` within the tolerance of now."""
    if not header:
        raise InvalidWebhookSignature("no signature header")
    parts = [part.split("=", 1) for part in header.split(",") if "=" in part]
    timestamps = [value for key, value in parts if key == "t"]
    signatures = [value for key, value in parts if key == "v1"]
    if len(timestamps) != 1 or not timestamps[0].isdigit() or not signatures:
        raise InvalidWebhookSignature("malformed signature header")
    timestamp = int(timestamps[0])
    expected = sign(payload, secret, timestamp).rsplit("v1=", 1)[1]
    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
        raise InvalidWebhookSignature("signature mismatch")
    if abs(now.timestamp() - timestamp) > tolerance_seconds:
        raise InvalidWebhookSignature("timestamp outside the tolerance")


class SandboxBillingProvider:
    name = NAME

    def __init__(self, secret: str, public_base_url: str, tolerance_seconds: int) -> None:
        self._secret = secret
        self._base_url = public_base_url.rstrip("/")
        self._tolerance = tolerance_seconds
        self._sessions_by_key: OrderedDict[str, CheckoutSession] = OrderedDict()

    async def create_checkout(
        self, *, checkout_id: UUID, user_id: UUID, plan: Plan, customer_id: str | None, idempotency_key: str
    ) -> CheckoutSession:
        """Like Stripe, a repeated idempotency key answers the first session (remembered in this process)."""
        known = self._sessions_by_key.get(idempotency_key)
        if known is not None:
            return known
        session = CheckoutSession(
            id=f"cs_sandbox_{checkout_id.hex}",
            url=f"{self._base_url}/api/v1/billing/sandbox/checkouts/{checkout_id}",
        )
        self._sessions_by_key[idempotency_key] = session
        if len(self._sessions_by_key) > REMEMBERED_IDEMPOTENCY_KEYS:
            self._sessions_by_key.popitem(last=False)
        return session

    async def portal_link(self, customer_id: str) -> str:
        return f"{self._base_url}/api/v1/billing/sandbox/portal/{customer_id}"

    async def schedule_change(self, provider_subscription_id: str, plan: Plan | None) -> None:
        """The sandbox keeps no state: period ends are simulated by signed `subscription.updated` events."""

    def signed(self, event: Mapping[str, Any], now: datetime) -> tuple[bytes, dict[str, str]]:
        """A webhook as the sandbox would deliver it: JSON body and its signature header."""
        payload = json.dumps(event, separators=(",", ":"), sort_keys=True).encode()
        return payload, {SIGNATURE_HEADER: sign(payload, self._secret, int(now.timestamp()))}

    def parse_webhook(self, payload: bytes, headers: Mapping[str, str], now: datetime) -> BillingEvent:
        verify(payload, headers.get(SIGNATURE_HEADER), self._secret, now, self._tolerance)
        body = json.loads(payload)
        data = body["data"]
        occurred_at = datetime.fromisoformat(body["created"]).astimezone(UTC)
        kinds = {
            "checkout.completed": "checkout_completed",
            "checkout.failed": "checkout_failed",
            "subscription.updated": "subscription_updated",
        }
        state = None
        if "plan" in data:
            state = ProviderState(
                plan_code=data["plan"],
                status=data["status"],
                period_start=datetime.fromisoformat(data["period_start"]),
                period_end=datetime.fromisoformat(data["period_end"]),
                cancel_at_period_end=bool(data.get("cancel_at_period_end", False)),
                provider_subscription_id=data.get("subscription_id"),
            )
        customer = data.get("customer")
        return BillingEvent(
            provider=NAME,
            event_id=str(body["id"]),
            kind=kinds.get(body["type"], "ignored"),  # type: ignore[arg-type]
            occurred_at=occurred_at,
            user_id=UUID(data["user_id"]) if data.get("user_id") else None,
            checkout_id=UUID(data["checkout_id"]) if data.get("checkout_id") else None,
            state=state,
            billing_info=BillingInfo(NAME, customer["id"], customer.get("email"), customer.get("country"))
            if customer
            else None,
        )
