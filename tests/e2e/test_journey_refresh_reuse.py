"""Journey 4: a spent refresh token presented again (a stolen copy) ends its session everywhere: both refresh
tokens die, the old and the new access token are refused by every gateway replica, and the session's
WebSockets close with 4403.

Driven through the gateway; that *every* gateway replica refused is also checked on each replica's
`/metrics` (`gateway_edge_auth_refusals_total{reason="revoked"}`), since the balancer hides which one answered.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.e2e.clients import bearer, eventually, log_in, refused_on_every_replica, register
from tests.e2e.evidence import metric
from tests.e2e.fleet import Fleet, Replica
from tests.e2e.sockets import event_socket

pytestmark = pytest.mark.e2e

SESSION_REVOKED = 4403


async def test_refresh_token_reuse_ends_the_session_everywhere(fleet: Fleet) -> None:
    gateways = fleet.replicas["gateway"]
    revoked_before = [await _revoked_refusals(replica) for replica in gateways]
    async with httpx.AsyncClient(base_url=fleet.gateway, timeout=30) as client:
        account = await log_in(client, await register(client, "reuse"))
        other_session = await log_in(client, account.email)
        # Two sockets on consecutive connections: the balancer puts them on different gateway replicas.
        async with (
            event_socket(fleet.gateway, account.access) as first,
            event_socket(fleet.gateway, account.access) as second,
        ):
            rotated = await _refresh(client, account.refresh)
            assert rotated.status_code == 200, rotated.text
            new_pair = rotated.json()

            # Within the short grace window the spent token still answers the same pair (a client's
            # concurrent refresh); after it, presenting it again is reuse.
            reused = await eventually(
                lambda: _refresh(client, account.refresh), lambda answer: answer.status_code != 200
            )
            close_codes = list(await asyncio.gather(first.close_code(), second.close_code()))

        await refused_on_every_replica(fleet.gateway, account.headers)
        await refused_on_every_replica(fleet.gateway, bearer(new_pair["access_token"]))
        successor = await _refresh(client, new_pair["refresh_token"])
        still_signed_in = await client.get("/api/v1/charts", headers=other_session.headers)
    revoked_after = [await _revoked_refusals(replica) for replica in gateways]

    assert (reused.status_code, reused.json()["error"]) == (400, "invalid_grant")
    assert (successor.status_code, successor.json()["error"]) == (400, "invalid_grant")
    assert close_codes == [SESSION_REVOKED, SESSION_REVOKED]
    assert all(after > before for before, after in zip(revoked_before, revoked_after, strict=True)), (
        revoked_before,
        revoked_after,
    )
    assert still_signed_in.status_code == 200, still_signed_in.text  # only the reused session ended


async def _refresh(client: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    return await client.post(
        "/api/v1/auth/token", data={"grant_type": "refresh_token", "refresh_token": refresh_token}
    )


async def _revoked_refusals(replica: Replica) -> float:
    return await metric(replica, "gateway_edge_auth_refusals_total", reason="revoked")
