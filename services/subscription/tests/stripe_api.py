"""A local stand-in for Stripe's HTTP API: the Stripe adapter's calls are answered here, never over a network."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import stripe


@dataclass(frozen=True)
class StripeRequest:
    method: str
    path: str
    form: dict[str, str]
    headers: Mapping[str, str]


class LocalStripeApi(stripe.HTTPClient):
    """Answers Checkout Session and billing-portal Session creation like Stripe does, and records requests.

    Like Stripe, a repeated `Idempotency-Key` gets the first answer again instead of a new session.
    """

    name = "local"

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[StripeRequest] = []
        self._answers: dict[str, dict[str, Any]] = {}

    async def request_async(
        self, method: str, url: str, headers: Mapping[str, str], post_data: Any = None
    ) -> tuple[bytes, int, Mapping[str, str]]:
        body = post_data.decode() if isinstance(post_data, bytes) else post_data or ""
        request = StripeRequest(method, urlsplit(url).path, dict(parse_qsl(body)), dict(headers))
        self.requests.append(request)
        key = request.headers.get("Idempotency-Key")
        if key is not None and key in self._answers:
            return json.dumps(self._answers[key]).encode(), 200, {}
        answer = self._answer(request, len(self.requests))
        if key is not None:
            self._answers[key] = answer
        return json.dumps(answer).encode(), 200, {}

    def _answer(self, request: StripeRequest, number: int) -> dict[str, Any]:
        if request.path == "/v1/billing_portal/sessions":
            return {
                "id": f"bps_{number}",
                "object": "billing_portal.session",
                "customer": request.form["customer"],
                "return_url": request.form.get("return_url"),
                "url": f"https://billing.stripe.test/p/session/{number}",
            }
        if request.path == "/v1/checkout/sessions":
            return {
                "id": f"cs_test_{number}",
                "object": "checkout.session",
                "url": f"https://checkout.stripe.test/c/pay/cs_test_{number}",
            }
        raise AssertionError(f"the adapter called an unexpected Stripe endpoint: {request.path}")

    async def close_async(self) -> None:
        return None
