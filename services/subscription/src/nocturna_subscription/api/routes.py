"""HTTP routes of the subscription service."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from nocturna_platform.http.openapi import problem_responses
from nocturna_platform.http.problems import Problem
from nocturna_platform.http.state import from_app_state
from nocturna_platform.security.dependencies import CurrentPrincipal
from pydantic import BaseModel, Field

from nocturna_subscription.application.use_cases import SubscriptionUseCases
from nocturna_subscription.domain.subscriptions import Entitlements, Plan, Subscription
from nocturna_subscription.domain.usage import Usage

router = APIRouter(tags=["subscriptions"])


UseCases = Annotated[SubscriptionUseCases, Depends(from_app_state("use_cases"))]


class EntitlementsView(BaseModel):
    charts_per_month: int | None
    saved_charts: int | None
    synastry: bool
    transits: bool
    api_keys: int
    rate_limit_per_minute: int
    batch: bool

    @classmethod
    def of(cls, entitlements: Entitlements) -> EntitlementsView:
        return cls(**entitlements.__dict__)


class PriceView(BaseModel):
    amount_minor: int = Field(ge=0)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    interval: Literal["month", "year"]


class PlanView(BaseModel):
    code: str
    name: str
    price: PriceView
    entitlements: EntitlementsView

    @classmethod
    def of(cls, plan: Plan) -> PlanView:
        return cls(
            code=plan.code,
            name=plan.name,
            price=PriceView(amount_minor=plan.price_minor, currency=plan.currency, interval=plan.interval),
            entitlements=EntitlementsView.of(plan.entitlements),
        )


class PlanList(BaseModel):
    items: list[PlanView]


class PlanRef(BaseModel):
    code: str
    name: str


class Period(BaseModel):
    start: datetime
    end: datetime


class SubscriptionView(BaseModel):
    plan: PlanRef
    status: str
    current_period: Period
    cancel_at_period_end: bool
    entitlements: EntitlementsView

    @classmethod
    def of(cls, subscription: Subscription) -> SubscriptionView:
        return cls(
            plan=PlanRef(code=subscription.plan.code, name=subscription.plan.name),
            status=subscription.status,
            current_period=Period(
                start=subscription.current_period_start, end=subscription.current_period_end
            ),
            cancel_at_period_end=subscription.cancel_at_period_end,
            entitlements=EntitlementsView.of(subscription.plan.entitlements),
        )


@router.get("/api/v1/plans", response_model=PlanList)
async def list_plans(use_cases: UseCases) -> PlanList:
    return PlanList(items=[PlanView.of(plan) for plan in await use_cases.list_plans()])


@router.get("/api/v1/subscriptions/me", response_model=SubscriptionView, responses=problem_responses(404))
async def my_subscription(principal: CurrentPrincipal, use_cases: UseCases) -> SubscriptionView:
    subscription = await use_cases.get_my_subscription(principal.subject)
    if subscription is None:
        raise Problem(404, "not_found", "No subscription yet", "A new account gets its plan within seconds.")
    return SubscriptionView.of(subscription)


class ChartsUsage(BaseModel):
    used: int
    limit: int | None


class UsageView(BaseModel):
    period: Period
    charts: ChartsUsage

    @classmethod
    def of(cls, usage: Usage) -> UsageView:
        return cls(
            period=Period(start=usage.period.start, end=usage.period.end),
            charts=ChartsUsage(used=usage.used, limit=usage.limit),
        )


@router.get("/api/v1/usage/me", response_model=UsageView, responses=problem_responses(404))
async def my_usage(principal: CurrentPrincipal, use_cases: UseCases) -> UsageView:
    usage = await use_cases.get_my_usage(principal.subject)
    if usage is None:
        raise Problem(404, "not_found", "No subscription yet", "A new account gets its plan within seconds.")
    return UsageView.of(usage)
