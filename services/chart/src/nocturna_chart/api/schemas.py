"""Request and response shapes of the charts API (fixed by the gateway, e2e tests and clients)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from nocturna_chart.application.saved_charts import SavedChart
from nocturna_chart.domain.aspects import DEFAULT_EXACT_ORB, MAX_EXACT_ORB, MAX_ORB, Aspect, AspectType
from nocturna_chart.domain.birth import BirthData, PlacedBirth
from nocturna_chart.domain.charts import NAME_MAX, NOTES_MAX, ChartOptions
from nocturna_chart.domain.engine import HouseSystem
from nocturna_chart.domain.natal import BodyPosition, ChartResult

Orb = Annotated[float, Field(ge=0.0, le=MAX_ORB)]
EARLIEST, LATEST = date(1000, 1, 1), date(2999, 12, 31)


class BirthRequest(BaseModel):
    """Local date and time (`null` = unknown) at a place: coordinates with its IANA zone, or a geocoding id."""

    model_config = ConfigDict(extra="forbid")

    date: Annotated[date, Field(ge=EARLIEST, le=LATEST)]
    time: time | None
    latitude: float | None = Field(default=None, ge=-90.0, le=90.0)
    longitude: float | None = Field(default=None, ge=-180.0, le=180.0)
    timezone: str | None = Field(default=None, min_length=1, max_length=64, examples=["Europe/Paris"])
    place_id: int | None = Field(
        default=None, ge=1, description="A geocoding place id instead of coordinates."
    )

    @model_validator(mode="after")
    def _one_place_form(self) -> BirthRequest:
        coordinates = (self.latitude, self.longitude, self.timezone)
        if self.place_id is not None:
            if any(value is not None for value in coordinates):
                raise ValueError("give either place_id or latitude, longitude and timezone, not both")
        elif any(value is None for value in coordinates):
            raise ValueError("latitude, longitude and timezone are required unless place_id is given")
        return self

    def to_domain(self, fold: int | None) -> BirthData | PlacedBirth:
        if self.place_id is not None:
            return PlacedBirth(self.date, self.time, self.place_id, fold)
        assert self.latitude is not None
        assert self.longitude is not None
        assert self.timezone is not None
        return BirthData(self.date, self.time, self.latitude, self.longitude, self.timezone, fold)


class OptionsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    orbs: dict[AspectType, Orb] = Field(
        default_factory=dict, description="Per-aspect orb in degrees; 0 = off."
    )
    minor_aspects: bool = True
    exact_orb: float = Field(default=DEFAULT_EXACT_ORB, ge=0.0, le=MAX_EXACT_ORB)

    def to_domain(self) -> ChartOptions:
        return ChartOptions(dict(self.orbs), self.minor_aspects, self.exact_orb)


class CreateChartRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=NAME_MAX)
    notes: str | None = Field(default=None, max_length=NOTES_MAX)
    birth: BirthRequest
    fold: Literal[0, 1] | None = Field(
        default=None, description="For a local time in a DST gap or fold: 0 the earlier offset, 1 the later."
    )
    house_system: HouseSystem = HouseSystem.PLACIDUS
    options: OptionsRequest = Field(default_factory=OptionsRequest)

    def birth_data(self) -> BirthData | PlacedBirth:
        return self.birth.to_domain(self.fold)


class EditChartRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=NAME_MAX)
    notes: str | None = Field(default=None, max_length=NOTES_MAX, description="`null` clears the notes.")
    house_system: HouseSystem | None = Field(default=None, description="Recast with another house system.")


class BirthView(BaseModel):
    date: date
    time: time | None
    latitude: float
    longitude: float
    timezone: str
    place_id: int | None
    place_name: str | None
    fold: int | None
    utc: datetime
    utc_offset: str = Field(examples=["-05:00"])
    zone: str


class BodyView(BaseModel):
    longitude: float
    latitude: float
    speed: float
    retrograde: bool
    sign: str
    degree: int
    minute: int
    house: int | None

    @classmethod
    def of(cls, position: BodyPosition) -> BodyView:
        return cls.model_construct(**{name: getattr(position, name) for name in cls.model_fields})


class AnglesView(BaseModel):
    asc: float
    mc: float
    desc: float
    ic: float
    vertex: float


class HousesView(BaseModel):
    system: HouseSystem
    cusps: list[float] = Field(description="Twelve longitudes, house 1 first.")
    angles: AnglesView


class AspectView(BaseModel):
    a: str
    b: str
    type: AspectType
    angle: float
    orb: float
    applying: bool
    exact: bool

    @classmethod
    def of(cls, aspect: Aspect) -> AspectView:
        return cls(
            a=aspect.a.value,
            b=aspect.b.value,
            type=aspect.type,
            angle=aspect.angle,
            orb=aspect.orb,
            applying=aspect.applying,
            exact=aspect.exact,
        )


class ResultView(BaseModel):
    bodies: dict[str, BodyView]
    houses: HousesView | None
    aspects: list[AspectView]

    @classmethod
    def of(cls, result: ChartResult) -> ResultView:
        houses = result.houses
        return cls(
            bodies={name: BodyView.of(position) for name, position in result.bodies.items()},
            houses=None
            if houses is None
            else HousesView(
                system=houses.system,
                cusps=list(houses.cusps),
                angles=AnglesView(
                    asc=houses.angles.asc,
                    mc=houses.angles.mc,
                    desc=houses.angles.desc,
                    ic=houses.angles.ic,
                    vertex=houses.angles.vertex,
                ),
            ),
            aspects=[AspectView.of(aspect) for aspect in result.aspects],
        )


class EngineView(BaseModel):
    name: str
    version: str


class ChartView(BaseModel):
    id: str
    name: str
    notes: str | None
    created_at: datetime
    updated_at: datetime
    birth: BirthView
    house_system: HouseSystem
    engine: EngineView
    warnings: list[str]
    result: ResultView

    @classmethod
    def of(cls, saved: SavedChart) -> ChartView:
        chart, instant, result = saved.chart, saved.cast.instant, saved.cast.result
        return cls(
            id=str(chart.id),
            name=chart.name,
            notes=chart.notes,
            created_at=chart.created_at,
            updated_at=chart.updated_at,
            birth=BirthView(
                date=chart.birth.date,
                time=chart.birth.time,
                latitude=chart.birth.latitude,
                longitude=chart.birth.longitude,
                timezone=chart.birth.timezone,
                place_id=chart.birth.place_id,
                place_name=chart.birth.place_name,
                fold=chart.birth.fold,
                utc=instant.utc,
                utc_offset=_offset(instant.utc_offset),
                zone=instant.zone,
            ),
            house_system=chart.house_system,
            engine=EngineView(name=result.engine.name, version=result.engine.version),
            warnings=saved.cast.warnings,
            result=ResultView.of(result),
        )


def _offset(offset: timedelta) -> str:
    seconds = int(offset.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}:{minutes:02d}" + (f":{secs:02d}" if secs else "")
