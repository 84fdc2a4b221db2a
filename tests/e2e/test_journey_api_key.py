"""Journey 3: an API key creates and reads charts, and stops working on every gateway replica within seconds
of its revocation. Through the gateway only.
"""

from __future__ import annotations

import time

import httpx
import pytest

from tests.e2e.clients import create_api_key, create_chart, refused_on_every_replica, sign_in_verified
from tests.e2e.fleet import Fleet

pytestmark = pytest.mark.e2e

REVOCATION_BOUND_SECONDS = 15


async def test_a_revoked_api_key_stops_working_within_seconds(fleet: Fleet) -> None:
    async with httpx.AsyncClient(base_url=fleet.gateway, timeout=30) as client:
        account = await sign_in_verified(client, fleet.mailbox, "api-key")
        key = await create_api_key(client, account, ["charts:read", "charts:write"])
        with_key = {"X-API-Key": key["key"]}

        chart = await create_chart(client, with_key, "made with a key")
        listed = await client.get("/api/v1/charts", headers=with_key)
        read = await client.get(f"/api/v1/charts/{chart['id']}", headers=with_key)
        owners_view = await client.get(f"/api/v1/charts/{chart['id']}", headers=account.headers)
        out_of_scope = await client.get("/api/v1/subscriptions/me", headers=with_key)

        revoked = await client.delete(f"/api/v1/auth/api-keys/{key['id']}", headers=account.headers)
        assert revoked.status_code == 204, revoked.text
        started = time.monotonic()
        await refused_on_every_replica(fleet.gateway, with_key, timeout=REVOCATION_BOUND_SECONDS)
        took = time.monotonic() - started
        listing = await client.get("/api/v1/auth/api-keys", headers=account.headers)

    assert key["key"].startswith(f"{key['prefix']}_")
    assert [item["id"] for item in listed.json()["items"]] == [chart["id"]]
    assert read.status_code == 200, read.text
    assert owners_view.status_code == 200, owners_view.text
    assert (out_of_scope.status_code, out_of_scope.json()["code"]) == (403, "insufficient_scope")
    assert took < REVOCATION_BOUND_SECONDS
    assert [(item["id"], item["revoked_at"] is not None) for item in listing.json()["items"]] == [
        (key["id"], True)
    ]
