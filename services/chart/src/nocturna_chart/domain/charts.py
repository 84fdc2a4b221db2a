"""The saved chart aggregate, how it is cast, and the plan's limits on creating charts."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from uuid import UUID

from nocturna_chart.domain.aspects import DEFAULT_EXACT_ORB, AspectPolicy, AspectType
from nocturna_chart.domain.birth import TIME_UNKNOWN_WARNING, BirthData, ResolvedInstant, resolve_instant
from nocturna_chart.domain.engine import CalculationEngine, HouseSystem
from nocturna_chart.domain.entitlements import EntitlementProjection
from nocturna_chart.domain.natal import ChartRequest, ChartResult, calculate_chart

NAME_MAX = 200
NOTES_MAX = 10_000


@dataclass(frozen=True)
class ChartOptions:
    """Aspect settings chosen by the client; validated into an `AspectPolicy` when the chart is made."""

    orbs: dict[AspectType, float] = field(default_factory=dict)
    minor_aspects: bool = True
    exact_orb: float = DEFAULT_EXACT_ORB

    def policy(self) -> AspectPolicy:
        return AspectPolicy.of(self.orbs, minors=self.minor_aspects, exact_orb=self.exact_orb)


@dataclass(frozen=True)
class Chart:
    """A user's saved natal chart: the inputs are stored (sealed); the result is cast from them."""

    id: UUID
    owner_id: UUID
    name: str
    notes: str | None
    birth: BirthData
    house_system: HouseSystem
    options: ChartOptions
    created_at: datetime
    updated_at: datetime
    idempotency_key: str | None = None

    def edited(
        self,
        at: datetime,
        *,
        name: str | None = None,
        notes: str | None = None,
        clear_notes: bool = False,
        house_system: HouseSystem | None = None,
    ) -> Chart:
        return replace(
            self,
            name=self.name if name is None else name,
            notes=None if clear_notes else (self.notes if notes is None else notes),
            house_system=house_system or self.house_system,
            updated_at=at,
        )


@dataclass(frozen=True)
class CastChart:
    instant: ResolvedInstant
    result: ChartResult
    warnings: list[str]


def natal_request(chart: Chart, polar_fallback: HouseSystem) -> tuple[ResolvedInstant, ChartRequest]:
    """The resolved birth instant and what to calculate; an unknown time asks for a noon chart without houses."""
    instant = resolve_instant(chart.birth)
    request = ChartRequest(
        instant.julian_day,
        chart.birth.latitude,
        chart.birth.longitude,
        chart.house_system,
        with_houses=chart.birth.time is not None,
        polar_fallback=polar_fallback,
    )
    return instant, request


def cast_of(chart: Chart, instant: ResolvedInstant, result: ChartResult) -> CastChart:
    """The chart cast from its result, flagged when the birth time is unknown."""
    warnings = ([] if chart.birth.time is not None else [TIME_UNKNOWN_WARNING]) + result.warnings
    return CastChart(instant, result, warnings)


async def cast(
    engine: CalculationEngine, chart: Chart, polar_fallback: HouseSystem = HouseSystem.PORPHYRY
) -> CastChart:
    """Resolve the birth instant and calculate (uncached: use cases go through `ChartCalculator`)."""
    instant, request = natal_request(chart, polar_fallback)
    return cast_of(chart, instant, await calculate_chart(engine, request, chart.options.policy()))


class AccountErased(Exception):
    """The owner's account was deleted and its charts erased: nothing more is stored for it (a token issued
    before the deletion may still be valid for a few minutes)."""


class QuotaExceeded(Exception):
    def __init__(self, limit_name: str, limit: int) -> None:
        super().__init__(limit_name)
        self.limit_name = limit_name
        self.limit = limit


@dataclass(frozen=True)
class Quota:
    """Monthly calculations and saved charts allowed by the plan (None = unlimited)."""

    charts_per_month: int | None
    saved_charts: int | None

    @classmethod
    def of(cls, projection: EntitlementProjection | None, unknown_plan_charts_per_month: int) -> Quota:
        if projection is None:
            return cls(unknown_plan_charts_per_month, None)
        return cls(projection.entitlements.charts_per_month, projection.entitlements.saved_charts)

    def check(self, *, created_this_month: int, saved: int) -> None:
        """Raise when one more chart would exceed a limit; the counts are before the new chart."""
        if self.charts_per_month is not None and created_this_month >= self.charts_per_month:
            raise QuotaExceeded("charts_per_month", self.charts_per_month)
        if self.saved_charts is not None and saved >= self.saved_charts:
            raise QuotaExceeded("saved_charts", self.saved_charts)
