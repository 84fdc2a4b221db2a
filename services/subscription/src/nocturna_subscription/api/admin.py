"""Admin routes: the plan catalogue, subscriptions of any user, comp grants, a user's usage."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response
from nocturna_platform.http.problems import Problem
from nocturna_platform.security.dependencies import require_permission
from nocturna_platform.security.principal import ADMIN, Principal
from pydantic import BaseModel, Field

from nocturna_subscription.api.billing import PLAN_CODE_PATTERN, PlanChoice
from nocturna_subscription.api.routes import (
    EntitlementsView,
    PlanView,
    PriceView,
    SubscriptionView,
    UsageView,
    UseCases,
)
from nocturna_subscription.application.manage_plans import PlanExists, PlanNotFound, PlanNotRetirable
from nocturna_subscription.application.start_checkout import NoSubscription, UnknownPlan
from nocturna_subscription.domain.subscriptions import Entitlements, Plan, Status, Subscription

router = APIRouter(tags=["admin"])

Admin = Annotated[Principal, Depends(require_permission(ADMIN))]


class PlanRequest(BaseModel):
    code: str = Field(pattern=PLAN_CODE_PATTERN)
    name: str = Field(min_length=1, max_length=80)
    price: PriceView
    entitlements: EntitlementsView


@router.post("/api/v1/admin/plans", status_code=201, response_model=PlanView)
async def add_plan(request: PlanRequest, _: Admin, use_cases: UseCases) -> PlanView:
    plan = Plan(
        code=request.code,
        name=request.name,
        price_minor=request.price.amount_minor,
        currency=request.price.currency,
        interval=request.price.interval,
        entitlements=Entitlements(**request.entitlements.model_dump()),
    )
    try:
        return PlanView.of(await use_cases.add_plan(plan))
    except PlanExists as error:
        raise Problem(409, "plan_exists", "Plan exists", "A plan with this code exists already.") from error


@router.post("/api/v1/admin/plans/{code}/retire", status_code=204)
async def retire_plan(code: str, _: Admin, use_cases: UseCases) -> Response:
    try:
        await use_cases.retire_plan(code)
    except PlanNotFound as error:
        raise Problem(404, "not_found", "No such plan", "No plan has this code.") from error
    except PlanNotRetirable as error:
        raise Problem(
            409, "plan_not_retirable", "Plan cannot be retired", "New users start on it."
        ) from error
    return Response(status_code=204)


class AdminSubscriptionView(SubscriptionView):
    id: UUID
    user_id: UUID
    version: int
    pending_plan: str | None

    @classmethod
    def of_admin(cls, subscription: Subscription) -> AdminSubscriptionView:
        return cls(
            **SubscriptionView.of(subscription).model_dump(),
            id=subscription.id,
            user_id=subscription.user_id,
            version=subscription.version,
            pending_plan=subscription.pending_plan_code,
        )


class AdminSubscriptionPage(BaseModel):
    items: list[AdminSubscriptionView]
    next_cursor: str | None


@router.get("/api/v1/admin/subscriptions", response_model=AdminSubscriptionPage)
async def search_subscriptions(
    _: Admin,
    use_cases: UseCases,
    q: Annotated[str | None, Query(max_length=36, description="user id prefix")] = None,
    plan: Annotated[str | None, Query(pattern=PLAN_CODE_PATTERN)] = None,
    status: Status | None = None,
    cursor: UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> AdminSubscriptionPage:
    found = await use_cases.search_subscriptions(
        query=q, plan_code=plan, status=status, after=cursor, limit=limit
    )
    next_cursor = str(found[-1].id) if len(found) == limit else None
    return AdminSubscriptionPage(
        items=[AdminSubscriptionView.of_admin(s) for s in found], next_cursor=next_cursor
    )


@router.put("/api/v1/admin/users/{user_id}/subscription", response_model=AdminSubscriptionView)
async def grant_plan(
    user_id: UUID, choice: PlanChoice, _: Admin, use_cases: UseCases
) -> AdminSubscriptionView:
    """A complimentary plan, effective at once with a fresh period; no provider involved."""
    try:
        return AdminSubscriptionView.of_admin(await use_cases.grant_plan(user_id, choice.plan))
    except NoSubscription as error:
        raise Problem(404, "not_found", "No subscription", "This user has no active subscription.") from error
    except UnknownPlan as error:
        raise Problem(422, "unknown_plan", "No such plan", "No plan has this code.") from error


@router.get("/api/v1/admin/users/{user_id}/usage", response_model=UsageView)
async def user_usage(user_id: UUID, _: Admin, use_cases: UseCases) -> UsageView:
    usage = await use_cases.get_my_usage(user_id)
    if usage is None:
        raise Problem(404, "not_found", "No subscription", "This user has no subscription.")
    return UsageView.of(usage)


@router.post("/api/v1/admin/billing/sandbox/users/{user_id}/period-end")
async def sandbox_period_end(user_id: UUID, _: Admin, use_cases: UseCases) -> dict[str, str]:
    """Sandbox only: the provider renews at period end, applying a scheduled downgrade or cancellation."""
    if use_cases.sandbox is None:
        raise Problem(404, "not_found", "Not found", "The sandbox provider is not enabled.")
    try:
        return {"outcome": await use_cases.sandbox.end_period(user_id)}
    except NoSubscription as error:
        raise Problem(404, "not_found", "No subscription", "This user has no subscription.") from error
