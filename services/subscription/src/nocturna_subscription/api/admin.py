"""Admin routes: the plan catalogue, subscriptions of any user, comp grants, a user's usage."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from nocturna_platform.http.problems import Problem
from nocturna_platform.security.dependencies import require_permission
from nocturna_platform.security.principal import ADMIN, Principal
from pydantic import BaseModel, Field

from nocturna_subscription.api.routes import EntitlementsView, PlanView, PriceView, UseCases
from nocturna_subscription.application.manage_plans import PlanExists, PlanNotFound, PlanNotRetirable
from nocturna_subscription.domain.subscriptions import Entitlements, Plan

router = APIRouter(tags=["admin"])

Admin = Annotated[Principal, Depends(require_permission(ADMIN))]


class PlanRequest(BaseModel):
    code: str = Field(pattern=r"^[a-z][a-z0-9_-]{1,39}$")
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
