"""The customer portal: a link to the provider's page, and the sandbox provider's own portal page."""

from __future__ import annotations

from fastapi import APIRouter
from nocturna_platform.http.openapi import problem_responses
from nocturna_platform.http.problems import Problem
from nocturna_platform.security.dependencies import CurrentPrincipal
from pydantic import BaseModel

from nocturna_subscription.api.routes import SubscriptionView, UseCases
from nocturna_subscription.application.open_billing_portal import NoBillingCustomer
from nocturna_subscription.application.sandbox_billing import CustomerNotFound
from nocturna_subscription.application.start_checkout import NoSubscription
from nocturna_subscription.domain.billing import ProviderNotConfigured

router = APIRouter(tags=["billing"])


class PortalView(BaseModel):
    url: str


class BillingCustomerView(BaseModel):
    id: str
    email: str | None
    country: str | None


class SandboxPortalView(BaseModel):
    customer: BillingCustomerView
    subscription: SubscriptionView


@router.post(
    "/api/v1/subscriptions/me/portal", response_model=PortalView, responses=problem_responses(409, 503)
)
async def billing_portal(principal: CurrentPrincipal, use_cases: UseCases) -> PortalView:
    """A short-lived link to the billing provider's customer portal."""
    try:
        return PortalView(url=await use_cases.open_billing_portal(principal.subject))
    except NoBillingCustomer as error:
        raise Problem(
            409,
            "no_billing_customer",
            "No billing account yet",
            "The customer portal opens once a checkout has been completed.",
        ) from error
    except ProviderNotConfigured as error:
        raise Problem(
            503,
            "billing_provider_unavailable",
            "Billing provider unavailable",
            "The provider that bills this account is not available right now.",
        ) from error


@router.get(
    "/api/v1/billing/sandbox/portal/{customer_id}",
    response_model=SandboxPortalView,
    responses=problem_responses(404),
)
async def sandbox_portal(
    customer_id: str, principal: CurrentPrincipal, use_cases: UseCases
) -> SandboxPortalView:
    """The sandbox provider's customer portal page (sandbox provider only)."""
    if use_cases.sandbox is None:
        raise Problem(404, "not_found", "Not found", "The sandbox provider is not enabled.")
    try:
        customer, subscription = await use_cases.sandbox.portal_page(principal.subject, customer_id)
    except (CustomerNotFound, NoSubscription) as error:
        raise Problem(404, "not_found", "No such customer", "No such customer.") from error
    return SandboxPortalView(
        customer=BillingCustomerView(id=customer.customer_id, email=customer.email, country=customer.country),
        subscription=SubscriptionView.of(subscription),
    )
