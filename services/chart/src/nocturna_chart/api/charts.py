"""HTTP routes of saved natal charts: translate requests to commands and domain errors to problems."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Response
from nocturna_platform.http.openapi import problem_responses
from nocturna_platform.http.pagination import Cursor, Limit, Page, decode_cursor, encode_cursor
from nocturna_platform.http.problems import FieldError, Problem
from nocturna_platform.http.state import from_app_state
from nocturna_platform.security.dependencies import CurrentPrincipal

from nocturna_chart.api.calculation_schemas import (
    ReturnRequest,
    ReturnView,
    SynastryRequest,
    SynastryView,
    TransitsRequest,
    TransitsView,
)
from nocturna_chart.api.schemas import ChartView, CreateChartRequest, EditChartRequest
from nocturna_chart.application.create_chart import CreateChart, UnknownPlace
from nocturna_chart.application.edit_chart import EditChart
from nocturna_chart.application.ports import PlacesUnavailable
from nocturna_chart.application.saved_charts import ChartNotFound
from nocturna_chart.application.transits import FeatureNotInPlan
from nocturna_chart.application.use_cases import ChartUseCases
from nocturna_chart.domain.aspects import InvalidOrbs
from nocturna_chart.domain.birth import AmbiguousLocalTime, UnknownTimezone
from nocturna_chart.domain.charts import AccountErased, QuotaExceeded
from nocturna_chart.domain.engine import (
    EngineFailed,
    EngineTimedOut,
    EngineUnavailable,
    HouseSystemNotOffered,
)

router = APIRouter(tags=["charts"])

UseCases = Annotated[ChartUseCases, Depends(from_app_state("use_cases"))]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)]


# What `_chart_problems` answers: plan limit (402), no such chart (404), the engine failing (502), places or
# the engine unavailable (503), the engine too slow (504).
CHART_PROBLEMS = problem_responses(402, 404, 502, 503, 504)
CREATE_PROBLEMS = problem_responses(402, 404, 410, 502, 503, 504)


@contextmanager
def _chart_problems() -> Iterator[None]:
    try:
        yield
    except ChartNotFound:
        raise Problem(404, "not_found", "Chart not found") from None
    except UnknownPlace as error:
        raise Problem(
            422,
            "unknown_place",
            "Unknown place",
            f"No place has id {error.args[0]}.",
            errors=[FieldError("birth.place_id", "unknown place", "unknown_place")],
        ) from None
    except PlacesUnavailable:
        raise Problem(
            503, "geocoding_unavailable", "Places cannot be looked up right now", headers={"Retry-After": "5"}
        ) from None
    except UnknownTimezone as error:
        raise Problem(
            422,
            "unknown_timezone",
            "Unknown time zone",
            f"{error.args[0]!r} is not an IANA time zone name.",
            errors=[FieldError("birth.timezone", "unknown IANA time zone", "unknown_timezone")],
        ) from None
    except AmbiguousLocalTime as error:
        earlier, later = (instant.isoformat().replace("+00:00", "Z") for instant in error.candidates)
        skipped = error.kind == "nonexistent"
        raise Problem(
            422,
            "nonexistent_local_time" if skipped else "ambiguous_local_time",
            "The local birth time is skipped by a clock change"
            if skipped
            else "The local birth time occurs twice",
            f"It may mean {earlier} (fold 0) or {later} (fold 1); send `fold` to choose.",
            errors=[FieldError("fold", "required for this local time", "missing")],
            extensions={"candidates": [{"fold": 0, "utc": earlier}, {"fold": 1, "utc": later}]},
        ) from None
    except InvalidOrbs as error:
        raise Problem(422, "invalid_orbs", "Invalid orbs", str(error)) from None
    except HouseSystemNotOffered as error:
        raise Problem(
            422,
            "house_system_not_offered",
            "House system not offered",
            f"The {error.engine} engine does not offer {error.system.value} houses.",
            errors=[FieldError("house_system", "not offered by the engine", "house_system_not_offered")],
        ) from None
    except EngineUnavailable as error:
        raise Problem(
            503,
            "engine_unavailable",
            "The calculation engine is unavailable",
            "Try again shortly.",
            headers={"Retry-After": str(error.retry_after_seconds)},
        ) from None
    except EngineTimedOut:
        raise Problem(504, "engine_timeout", "The calculation engine did not answer in time") from None
    except EngineFailed:
        raise Problem(502, "engine_failed", "The calculation engine failed") from None
    except FeatureNotInPlan as error:
        raise Problem(
            402,
            "feature_not_in_plan",
            "Not in your plan",
            f"Your plan does not include {error.feature}.",
            extensions={"feature": error.feature},
        ) from None
    except QuotaExceeded as error:
        raise quota_exceeded_problem(error) from None


@router.post("/api/v1/charts", status_code=201, response_model=ChartView, responses=CREATE_PROBLEMS)
async def create_chart(
    body: CreateChartRequest,
    principal: CurrentPrincipal,
    use_cases: UseCases,
    idempotency_key: IdempotencyKey = None,
) -> ChartView:
    """Cast a natal chart and save it; counts against the plan's monthly charts."""
    command = CreateChart(
        owner_id=principal.subject,
        name=body.name,
        notes=body.notes,
        birth=body.birth_data(),
        house_system=body.house_system,
        options=body.options.to_domain(),
        idempotency_key=idempotency_key,
    )
    try:
        with _chart_problems():
            saved, _ = await use_cases.create_chart(command)
    except AccountErased:
        raise Problem(
            410, "account_deleted", "Account deleted", "The account was deleted: nothing is saved for it."
        ) from None
    return ChartView.of(saved)


@router.get("/api/v1/charts", response_model=Page[ChartView], responses=CHART_PROBLEMS)
async def list_charts(
    principal: CurrentPrincipal, use_cases: UseCases, limit: Limit = 20, cursor: Cursor = None
) -> Page[ChartView]:
    """The caller's charts, newest first."""
    with _chart_problems():
        page = await use_cases.list_charts(principal.subject, limit, decode_cursor(cursor))
    return Page[ChartView](
        items=[ChartView.of(saved) for saved in page.items], next_cursor=encode_cursor(page.next_after)
    )


@router.post("/api/v1/charts/synastry", response_model=SynastryView, responses=CHART_PROBLEMS)
async def synastry(body: SynastryRequest, principal: CurrentPrincipal, use_cases: UseCases) -> SynastryView:
    """Cross aspects and house overlays both ways between two charts (plan feature); nothing is saved."""
    with _chart_problems():
        result = await use_cases.synastry(
            principal, body.side(body.a), body.side(body.b), body.options.to_domain()
        )
    return SynastryView.of(result)


@router.get("/api/v1/charts/{chart_id}", response_model=ChartView, responses=CHART_PROBLEMS)
async def get_chart(chart_id: UUID, principal: CurrentPrincipal, use_cases: UseCases) -> ChartView:
    with _chart_problems():
        return ChartView.of(await use_cases.get_chart(principal, chart_id))


@router.patch("/api/v1/charts/{chart_id}", response_model=ChartView, responses=CHART_PROBLEMS)
async def edit_chart(
    chart_id: UUID, body: EditChartRequest, principal: CurrentPrincipal, use_cases: UseCases
) -> ChartView:
    """Rename, edit notes (`null` clears them) or recast with another house system."""
    command = EditChart(
        chart_id=chart_id,
        name=body.name,
        notes=body.notes,
        clear_notes="notes" in body.model_fields_set and body.notes is None,
        house_system=body.house_system,
    )
    with _chart_problems():
        return ChartView.of(await use_cases.edit_chart(principal, command))


@router.delete("/api/v1/charts/{chart_id}", status_code=204, responses=CHART_PROBLEMS)
async def delete_chart(chart_id: UUID, principal: CurrentPrincipal, use_cases: UseCases) -> Response:
    with _chart_problems():
        await use_cases.delete_chart(principal, chart_id)
    return Response(status_code=204)


@router.post("/api/v1/charts/{chart_id}/transits", response_model=TransitsView, responses=CHART_PROBLEMS)
async def transits(
    chart_id: UUID, body: TransitsRequest, principal: CurrentPrincipal, use_cases: UseCases
) -> TransitsView:
    """Transiting positions at `at`, their natal houses and aspects to the natal chart (plan feature)."""
    with _chart_problems():
        return TransitsView.of(await use_cases.transits(principal, chart_id, body.at))


@router.post("/api/v1/charts/{chart_id}/returns", response_model=ReturnView, responses=CHART_PROBLEMS)
async def returns(
    chart_id: UUID, body: ReturnRequest, principal: CurrentPrincipal, use_cases: UseCases
) -> ReturnView:
    """Solar or lunar return chart: the first return at or after the start, cast at the birth place or `place`."""
    with _chart_problems():
        return ReturnView.of(await use_cases.returns(principal, body.to_domain(chart_id)))


def quota_exceeded_problem(error: QuotaExceeded) -> Problem:
    """402 naming the limit reached (single and batch creation alike)."""
    return Problem(
        402,
        "quota_exceeded",
        "Plan limit reached",
        f"Your plan allows {error.limit} ({error.limit_name}); upgrade the plan or wait for the next month.",
        extensions={"limit": error.limit_name, "allowed": error.limit},
    )
