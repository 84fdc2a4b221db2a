"""The chart calculator: identical inputs calculate once; any difference in the inputs is another entry."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from uuid import UUID

from nocturna_chart.application.calculator import ChartCalculator
from nocturna_chart.domain.aspects import AspectType
from nocturna_chart.domain.birth import BirthData
from nocturna_chart.domain.charts import Chart, ChartOptions
from nocturna_chart.domain.engine import HouseSystem

from services.chart.tests.fakes import CountingEngine, InMemoryResultCache

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _chart(
    system: HouseSystem = HouseSystem.PLACIDUS, options: ChartOptions | None = None, lat: float = 40.7128
) -> Chart:
    birth = BirthData(date(1990, 1, 15), time(14, 30), lat, -74.006, "America/New_York")
    return Chart(UUID(int=1), UUID(int=2), "c", None, birth, system, options or ChartOptions(), NOW, NOW)


async def test_identical_inputs_are_calculated_once_and_the_cached_result_is_the_same() -> None:
    engine, cache = CountingEngine(), InMemoryResultCache()
    calculator = ChartCalculator(engine, HouseSystem.PORPHYRY, cache)

    first = await calculator.cast(_chart())
    calls = engine.calls
    again = await calculator.cast(_chart())

    assert engine.calls == calls
    assert again == first
    assert len(cache.entries) == 1


async def test_another_system_option_or_place_is_another_entry() -> None:
    engine, cache = CountingEngine(), InMemoryResultCache()
    calculator = ChartCalculator(engine, HouseSystem.PORPHYRY, cache)

    await calculator.cast(_chart())
    await calculator.cast(_chart(HouseSystem.KOCH))
    tight = await calculator.cast(_chart(options=ChartOptions(orbs={AspectType.TRINE: 1.0})))
    await calculator.cast(_chart(lat=40.7129))
    await calculator.cast(_chart(lat=40.71280000001))  # the same place to a tenth of a millimetre

    assert len(cache.entries) == 4
    assert all(a.orb <= 1.0 for a in tight.result.aspects if a.type is AspectType.TRINE)


async def test_without_a_cache_every_cast_calculates() -> None:
    engine = CountingEngine()
    calculator = ChartCalculator(engine)

    await calculator.cast(_chart())
    calls = engine.calls
    await calculator.cast(_chart())

    assert engine.calls == 2 * calls


async def test_a_new_chart_is_calculated_without_a_lookup_and_stored_for_the_reads_that_follow() -> None:
    engine, cache = CountingEngine(), InMemoryResultCache()
    calculator = ChartCalculator(engine, HouseSystem.PORPHYRY, cache)

    created = await calculator.cast_new(_chart())
    calls = engine.calls
    read = await calculator.cast(_chart())
    assert engine.calls == calls  # stored: the read is a hit
    again = await calculator.cast_new(_chart())

    assert engine.calls == 2 * calls  # never looked up on creation
    assert created == read == again
    assert len(cache.entries) == 1
