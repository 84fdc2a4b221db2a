"""Journey 1: a new user's first chart, from registration to transits, checked against the ephemeris.

Through the gateway only; the positions are compared with raw pyswisseph computed in the test for the UTC
instant the service reports (the local engine is specified to equal it to < 1″).
"""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest

from tests.e2e import ephemeris
from tests.e2e.clients import eventually, eventually_on_plan, log_in, register, verify_email
from tests.e2e.fleet import Fleet
from tests.e2e.sockets import event_socket

pytestmark = pytest.mark.e2e

TRANSITS_AT = "2026-03-20T12:00:00+00:00"


async def test_register_verify_geocode_chart_socket_usage_transits(fleet: Fleet) -> None:
    async with httpx.AsyncClient(base_url=fleet.gateway, timeout=30) as client:
        email = await register(client, "first-chart")
        await verify_email(client, fleet.mailbox, email)
        account = await log_in(client, email)
        me = await client.get("/api/v1/auth/me", headers=account.headers)
        assert me.json()["email_verified"] is True

        subscription = await eventually(
            lambda: client.get("/api/v1/subscriptions/me", headers=account.headers),
            lambda answer: answer.status_code == 200,
        )
        assert subscription.json()["plan"]["code"] == "free"
        assert subscription.json()["status"] == "active"
        await eventually_on_plan(client, account, "free")

        places = await client.get("/api/v1/geo/places", params={"q": "Sydney"}, headers=account.headers)
        assert places.status_code == 200, places.text
        sydney = places.json()["items"][0]
        assert (sydney["country_code"], sydney["timezone"]) == ("AU", "Australia/Sydney")

        async with event_socket(fleet.gateway, account.access) as socket:
            created = await client.post(
                "/api/v1/charts",
                json={
                    "name": "Born in Sydney",
                    "birth": {"date": "1988-07-04", "time": "06:15", "place_id": sydney["id"]},
                },
                headers=account.headers,
            )
            assert created.status_code == 201, created.text
            chart = created.json()
            announced = await socket.wait_for(
                "chart.chart.calculated.v1", where=lambda data: data["chart_id"] == chart["id"]
            )
        assert announced["data"]["kind"] == "natal"

        usage = await eventually(
            lambda: client.get("/api/v1/usage/me", headers=account.headers),
            lambda answer: answer.status_code == 200 and answer.json()["charts"]["used"] >= 1,
        )
        assert usage.json()["charts"] == {"used": 1, "limit": 10}

        transits = await client.post(
            f"/api/v1/charts/{chart['id']}/transits", json={"at": TRANSITS_AT}, headers=account.headers
        )
        assert transits.status_code == 200, transits.text
        synastry = await client.post(
            "/api/v1/charts/synastry",
            json={
                "a": chart["id"],
                "b": {"birth": {"date": "1990-01-15", "time": "14:30", "place_id": sydney["id"]}},
            },
            headers=account.headers,
        )

    birth = chart["birth"]
    assert (birth["place_id"], birth["zone"], birth["utc_offset"]) == (
        sydney["id"],
        "Australia/Sydney",
        "+10:00",
    )
    assert (birth["latitude"], birth["longitude"]) == (sydney["latitude"], sydney["longitude"])
    instant = datetime.fromisoformat(birth["utc"])
    assert instant.isoformat() == "1988-07-03T20:15:00+00:00"
    _assert_positions_match(chart["result"]["bodies"], ephemeris.longitudes(instant))
    expected_cusps = ephemeris.placidus_cusps(instant, birth["latitude"], birth["longitude"])
    for cusp, expected in zip(chart["result"]["houses"]["cusps"], expected_cusps, strict=True):
        assert ephemeris.arcseconds_apart(cusp, expected) < 1

    assert transits.json()["chart_id"] == chart["id"]
    _assert_positions_match(
        transits.json()["bodies"], ephemeris.longitudes(datetime.fromisoformat(TRANSITS_AT))
    )
    assert all(body["house"] in range(1, 13) for body in transits.json()["bodies"].values())

    # Synastry is a paid feature: the free plan refuses it, naming the feature (journey 2 uses it after upgrading).
    assert synastry.status_code == 402, synastry.text
    assert synastry.headers["content-type"].startswith("application/problem+json")
    assert (synastry.json()["code"], synastry.json()["feature"]) == ("feature_not_in_plan", "synastry")


def _assert_positions_match(bodies: dict[str, dict[str, float]], expected: dict[str, float]) -> None:
    for name, longitude in expected.items():
        assert ephemeris.arcseconds_apart(bodies[name]["longitude"], longitude) < 1, name
    assert ephemeris.arcseconds_apart(bodies["south_node"]["longitude"], expected["north_node"] + 180) < 1
