from __future__ import annotations

from nocturna_geocoding.application.search_places import SearchPlacesHandler
from nocturna_geocoding.domain.places import Place, PlaceQuery

from services.geocoding.tests.fakes import FakeProvider, InMemoryAnswerCache

LYON = Place(2996944, "Lyon", "FR", "France", "Auvergne-Rhône-Alpes", 45.75, 4.85, "Europe/Paris", 522_250)
QUERY = PlaceQuery("lyon", None, 5)


async def test_local_answers_are_cached_and_served_from_the_cache() -> None:
    local, cache = FakeProvider([LYON]), InMemoryAnswerCache()
    search = SearchPlacesHandler(local, cache, "dataset-1")
    assert await search(QUERY) == [LYON]
    assert await search(QUERY) == [LYON]
    assert local.searches == 1


async def test_the_remote_provider_is_asked_only_when_the_local_data_has_nothing() -> None:
    remote = FakeProvider([LYON])
    search = SearchPlacesHandler(FakeProvider([LYON]), InMemoryAnswerCache(), "d", remote=remote)
    await search(QUERY)
    assert remote.searches == 0
    search = SearchPlacesHandler(FakeProvider([]), InMemoryAnswerCache(), "d", remote=remote)
    assert await search(QUERY) == [LYON]
    assert remote.searches == 1


async def test_a_remote_failure_answers_nothing_and_is_not_cached() -> None:
    cache = InMemoryAnswerCache()
    remote = FakeProvider(failing=True)
    search = SearchPlacesHandler(FakeProvider([]), cache, "d", remote=remote)
    assert await search(QUERY) == []
    assert cache.values == {}
    remote.failing, remote.places = False, [LYON]
    assert await search(QUERY) == [LYON]


async def test_a_new_dataset_does_not_read_answers_cached_for_the_old_one() -> None:
    cache = InMemoryAnswerCache()
    await SearchPlacesHandler(FakeProvider([LYON]), cache, "old")(QUERY)
    fresh = FakeProvider([])
    assert await SearchPlacesHandler(fresh, cache, "new")(QUERY) == []
    assert fresh.searches == 1
