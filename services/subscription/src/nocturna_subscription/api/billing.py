"""Billing routes: checkout, cancel, downgrade, the customer portal, provider webhooks, the sandbox pages."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from fastapi import APIRouter, Request, Response
from nocturna_platform.http.idempotency import REPLAYED_HEADER, IdempotencyKey
from nocturna_platform.http.openapi import problem_responses
from nocturna_platform.http.problems import Problem
from nocturna_platform.security.dependencies import CurrentPrincipal
from pydantic import BaseModel, Field

from nocturna_subscription.api.routes import SubscriptionView, UseCases
from nocturna_subscription.application.process_billing_webhook import UnknownProvider
from nocturna_subscription.application.sandbox_billing import CheckoutNotFound
from nocturna_subscription.application.start_checkout import NoSubscription, UnknownPlan
from nocturna_subscription.domain.billing import (
    CheckoutRequestInProgress,
    IdempotencyKeyReused,
    InvalidWebhookSignature,
    ProviderNotConfigured,
)
from nocturna_subscription.domain.subscriptions import (
    EmailNotVerified,
    NotADowngrade,
    NotAnUpgrade,
    NothingToCancel,
)

router = APIRouter(tags=["billing"])

ERRORS: dict[type[Exception], tuple[int, str, str]] = {
    NoSubscription: (404, "not_found", "No subscription yet"),
    UnknownPlan: (422, "unknown_plan", "No such plan"),
    NotAnUpgrade: (409, "not_an_upgrade", "Checkout is for upgrades to an offered paid plan"),
    NotADowngrade: (409, "not_a_downgrade", "A downgrade goes from a paid plan to a cheaper offered plan"),
    NothingToCancel: (409, "nothing_to_cancel", "Only a paid subscription can be canceled"),
    EmailNotVerified: (403, "email_not_verified", "Verify your email address before paying"),
    CheckoutNotFound: (404, "not_found", "No such checkout"),
    IdempotencyKeyReused: (
        422,
        "idempotency_key_reused",
        "This Idempotency-Key was used for a different request",
    ),
    ProviderNotConfigured: (
        503,
        "billing_provider_unavailable",
        "The provider that bills this account is unavailable",
    ),
    CheckoutRequestInProgress: (
        409,
        "request_in_progress",
        "A request with this Idempotency-Key is still in progress; retry shortly",
    ),
}


def _problem(error: Exception) -> Problem:
    status, code, title = ERRORS[type(error)]
    return Problem(status, code, title, title + ".")


# A plan code's shape; anything else (a NUL byte, which Postgres text cannot hold, was a 500) is a 422 before
# any lookup.
PLAN_CODE_PATTERN = r"^[a-z][a-z0-9_-]{1,39}$"


class PlanChoice(BaseModel):
    plan: str = Field(pattern=PLAN_CODE_PATTERN)


class CheckoutSessionView(BaseModel):
    id: str
    url: str


@router.post(
    "/api/v1/subscriptions/me/checkout",
    status_code=201,
    response_model=CheckoutSessionView,
    responses=problem_responses(403, 404, 409),
)
async def checkout(
    choice: PlanChoice,
    principal: CurrentPrincipal,
    use_cases: UseCases,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> CheckoutSessionView:
    try:
        started = await use_cases.start_checkout(principal.subject, choice.plan, idempotency_key)
    except (
        NoSubscription,
        UnknownPlan,
        NotAnUpgrade,
        EmailNotVerified,
        IdempotencyKeyReused,
        CheckoutRequestInProgress,
    ) as error:
        raise _problem(error) from error
    if started.replayed:
        response.headers[REPLAYED_HEADER] = "true"
    return CheckoutSessionView(id=started.session.id, url=started.session.url)


@router.post(
    "/api/v1/subscriptions/me/cancel", response_model=SubscriptionView, responses=problem_responses(404, 409)
)
async def cancel(principal: CurrentPrincipal, use_cases: UseCases) -> SubscriptionView:
    try:
        return SubscriptionView.of(await use_cases.cancel_subscription(principal.subject))
    except (NoSubscription, NothingToCancel, ProviderNotConfigured) as error:
        raise _problem(error) from error


@router.post(
    "/api/v1/subscriptions/me/downgrade",
    response_model=SubscriptionView,
    responses=problem_responses(404, 409),
)
async def downgrade(choice: PlanChoice, principal: CurrentPrincipal, use_cases: UseCases) -> SubscriptionView:
    try:
        return SubscriptionView.of(await use_cases.downgrade_subscription(principal.subject, choice.plan))
    except (NoSubscription, UnknownPlan, NotADowngrade, ProviderNotConfigured) as error:
        raise _problem(error) from error


@router.post("/api/v1/billing/webhooks/{provider}", status_code=200, responses=problem_responses(400, 404))
async def webhook(provider: str, request: Request, use_cases: UseCases) -> dict[str, str]:
    try:
        outcome = await use_cases.process_billing_webhook(provider, await request.body(), request.headers)
    except UnknownProvider as error:
        raise Problem(404, "not_found", "No such billing provider", "No provider has this name.") from error
    except InvalidWebhookSignature as error:
        raise Problem(
            400, "invalid_signature", "Invalid signature", "The webhook signature is invalid."
        ) from error
    return {"outcome": outcome}


class SandboxPayment(BaseModel):
    outcome: Literal["complete", "fail"]
    email: str | None = Field(default=None, max_length=320)
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")


@router.post("/api/v1/billing/sandbox/checkouts/{checkout_id}", responses=problem_responses(404))
async def sandbox_checkout(
    checkout_id: UUID, payment: SandboxPayment, principal: CurrentPrincipal, use_cases: UseCases
) -> dict[str, str]:
    """The sandbox provider's checkout page: pays or fails; the result arrives as a signed webhook."""
    if use_cases.sandbox is None:
        raise Problem(404, "not_found", "Not found", "The sandbox provider is not enabled.")
    try:
        outcome = await use_cases.sandbox.settle_checkout(
            principal.subject,
            checkout_id,
            paid=payment.outcome == "complete",
            email=payment.email,
            country=payment.country,
        )
    except CheckoutNotFound as error:
        raise _problem(error) from error
    return {"outcome": outcome}
