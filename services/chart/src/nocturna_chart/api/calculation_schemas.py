"""Request and response shapes of calculations on saved charts: transits, synastry, returns."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from nocturna_chart.api.schemas import (
    EARLIEST,
    LATEST,
    AspectView,
    BirthRequest,
    BodyView,
    EngineView,
    OptionsRequest,
    ResultView,
)
from nocturna_chart.application.returns import CastReturn, ReturnChart
from nocturna_chart.application.synastry import InlineBirth, Synastry, SynastrySide
from nocturna_chart.application.transits import Transits
from nocturna_chart.domain.engine import Body, HouseSystem


class TransitsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    at: AwareDatetime = Field(description="RFC 3339 instant with an offset.")

    @field_validator("at")
    @classmethod
    def _in_range(cls, value: datetime) -> datetime:
        if not EARLIEST.year <= value.year <= LATEST.year:
            raise ValueError(f"must be between the years {EARLIEST.year} and {LATEST.year}")
        return value


class TransitsView(BaseModel):
    chart_id: str
    at: datetime
    engine: EngineView
    bodies: dict[str, BodyView] = Field(description="Transiting positions; `house` is the natal house.")
    aspects: list[AspectView] = Field(description="`a` transiting body, `b` natal body.")

    @classmethod
    def of(cls, transits: Transits) -> TransitsView:
        result = transits.result
        return cls(
            chart_id=str(transits.chart.id),
            at=transits.at,
            engine=EngineView(name=result.engine.name, version=result.engine.version),
            bodies={name: BodyView.of(position) for name, position in result.bodies.items()},
            aspects=[AspectView.of(aspect) for aspect in result.aspects],
        )


class InlineBirthRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    birth: BirthRequest
    fold: Literal[0, 1] | None = None
    house_system: HouseSystem = HouseSystem.PLACIDUS

    def to_domain(self) -> InlineBirth:
        return InlineBirth(self.birth.to_domain(self.fold), self.house_system)


class SynastryRequest(BaseModel):
    """Each side is a saved chart id or inline birth data."""

    model_config = ConfigDict(extra="forbid")

    a: UUID | InlineBirthRequest
    b: UUID | InlineBirthRequest
    options: OptionsRequest = Field(default_factory=OptionsRequest)

    @staticmethod
    def side(value: UUID | InlineBirthRequest) -> UUID | InlineBirth:
        return value if isinstance(value, UUID) else value.to_domain()


class SynastrySideView(BaseModel):
    chart_id: str | None
    utc: datetime
    warnings: list[str]
    result: ResultView

    @classmethod
    def of(cls, side: SynastrySide) -> SynastrySideView:
        return cls(
            chart_id=str(side.chart_id) if side.chart_id else None,
            utc=side.cast.instant.utc,
            warnings=side.cast.warnings,
            result=ResultView.of(side.cast.result),
        )


class OverlaysView(BaseModel):
    a_in_b: dict[str, int] | None = Field(description="House of b in which each body of a falls.")
    b_in_a: dict[str, int] | None


class SynastryView(BaseModel):
    a: SynastrySideView
    b: SynastrySideView
    aspects: list[AspectView] = Field(description="`a` a body of chart a, `b` a body of chart b.")
    overlays: OverlaysView

    @classmethod
    def of(cls, synastry: Synastry) -> SynastryView:
        result = synastry.result
        return cls(
            a=SynastrySideView.of(synastry.a),
            b=SynastrySideView.of(synastry.b),
            aspects=[AspectView.of(aspect) for aspect in result.aspects],
            overlays=OverlaysView(a_in_b=result.a_in_b, b_in_a=result.b_in_a),
        )


class ReturnPlaceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    latitude: float = Field(ge=-90.0, le=90.0)
    longitude: float = Field(ge=-180.0, le=180.0)


class ReturnRequest(BaseModel):
    """The first return at or after the 1st of `month` (default January) of `year`, UTC."""

    model_config = ConfigDict(extra="forbid")

    body: Literal["sun", "moon"]
    year: int = Field(ge=EARLIEST.year, le=LATEST.year - 1)
    month: int | None = Field(default=None, ge=1, le=12)
    place: ReturnPlaceRequest | None = Field(
        default=None, description="Where the return is cast; birth place by default."
    )

    def to_domain(self, chart_id: UUID) -> CastReturn:
        return CastReturn(
            chart_id,
            Body(self.body),
            self.year,
            self.month or 1,
            self.place.latitude if self.place else None,
            self.place.longitude if self.place else None,
        )


class ReturnView(BaseModel):
    chart_id: str
    body: str
    at: datetime
    latitude: float
    longitude: float
    engine: EngineView
    warnings: list[str]
    result: ResultView

    @classmethod
    def of(cls, chart: ReturnChart) -> ReturnView:
        return cls(
            chart_id=str(chart.chart.id),
            body=chart.body.value,
            at=chart.at,
            latitude=chart.latitude,
            longitude=chart.longitude,
            engine=EngineView(name=chart.result.engine.name, version=chart.result.engine.version),
            warnings=chart.result.warnings,
            result=ResultView.of(chart.result),
        )
