"""HTTP routes of the chart service."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from nocturna_platform.http.openapi import problem_responses
from nocturna_platform.http.problems import Problem
from nocturna_platform.http.state import from_app_state
from nocturna_platform.security.dependencies import CurrentPrincipal
from pydantic import BaseModel

from nocturna_chart.application.use_cases import ChartUseCases

router = APIRouter(tags=["charts"])


UseCases = Annotated[ChartUseCases, Depends(from_app_state("use_cases"))]


class EntitlementsView(BaseModel):
    plan_code: str
    charts_per_month: int | None
    saved_charts: int | None
    synastry: bool
    transits: bool
    batch: bool
    updated_at: datetime


@router.get("/api/v1/charts/entitlements", response_model=EntitlementsView, responses=problem_responses(404))
async def my_entitlements(principal: CurrentPrincipal, use_cases: UseCases) -> EntitlementsView:
    """What the caller's plan allows, as the chart service currently knows it."""
    projection = await use_cases.get_entitlements(principal.subject)
    if projection is None:
        raise Problem(404, "not_found", "No plan known yet", "A new account's plan arrives within seconds.")
    return EntitlementsView(**projection.entitlements.__dict__, updated_at=projection.updated_at)
