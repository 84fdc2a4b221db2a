"""Journey 5: a paying user with charts deletes the account. Within seconds the socket closes (4404), the
tokens are refused, logins fail, and the data is gone or anonymised.

Driven through the gateway; what the API can no longer show (a deleted user cannot ask) is read from the run's
database, read-only: charts, usage counts and the plan projection erased at chart; billing info erased, webhook
payloads blanked and the subscription canceled at subscription (usage records stay as anonymous accounting,
as subscription's README decides). "Processed exactly once" is read from the outboxes and inboxes: auth
published one `auth.user.deleted.v1`; chart and subscription each claimed it once and announced its effects
once (one `chart.chart.deleted.v1` per chart, one `subscription.subscription.changed.v1`), although two
replicas of each consume it.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import asyncpg
import httpx
import pytest

from tests.e2e.clients import (
    PASSWORD,
    create_chart,
    eventually,
    refused_on_every_replica,
    sign_in_verified,
    upgrade_through_sandbox_checkout,
)
from tests.e2e.evidence import read_only_database
from tests.e2e.fleet import Fleet
from tests.e2e.sockets import event_socket

pytestmark = pytest.mark.e2e

USER_DELETED = 4404
ERASURE_BOUND_SECONDS = 15


async def test_deleting_the_account_erases_it_everywhere_once(fleet: Fleet) -> None:
    async with httpx.AsyncClient(base_url=fleet.gateway, timeout=30) as client:
        account = await sign_in_verified(client, fleet.mailbox, "leaving")
        await eventually(
            lambda: client.get("/api/v1/subscriptions/me", headers=account.headers),
            lambda answer: answer.status_code == 200,
        )
        assert (
            await upgrade_through_sandbox_checkout(client, account, "pro", fleet.sandbox_webhook_secret)
            == "applied"
        )
        charts = {
            (await create_chart(client, account.headers, f"chart {number}"))["id"] for number in range(2)
        }
        await eventually(
            lambda: client.get("/api/v1/usage/me", headers=account.headers),
            lambda answer: answer.status_code == 200 and answer.json()["charts"]["used"] == len(charts),
        )

        async with event_socket(fleet.gateway, account.access) as socket:
            deleted = await client.request(
                "DELETE", "/api/v1/auth/me", json={"password": PASSWORD}, headers=account.headers
            )
            assert deleted.status_code == 204, deleted.text
            started = time.monotonic()
            close_code = await socket.close_code()

        await refused_on_every_replica(fleet.gateway, account.headers)
        login = await client.post(
            "/api/v1/auth/token",
            data={"grant_type": "password", "username": account.email, "password": PASSWORD},
        )

    async with read_only_database(fleet) as database:
        remaining = await _eventually_erased(database, account.user_id)
        took = time.monotonic() - started
        once = await _deletion_effects(database, account.user_id)

    assert close_code == USER_DELETED
    assert (login.status_code, login.json()["error"]) == (400, "invalid_grant")
    assert took < ERASURE_BOUND_SECONDS
    assert remaining["subscription_status"] == "canceled"
    assert remaining["anonymous_usage_records"] == len(charts)
    assert remaining["blank_webhooks"] == 1

    assert len(once["user_deleted"]) == 1
    assert once["chart_claims"] == 1
    assert once["subscription_claims"] == 1
    assert sorted(once["charts_deleted"]) == sorted(charts)
    assert once["subscription_changes"] == ["canceled"]


async def _eventually_erased(database: asyncpg.Connection, user_id: str) -> dict[str, Any]:
    """Poll until nothing personal is left; what is left then (anonymous accounting rows)."""
    deadline = time.monotonic() + ERASURE_BOUND_SECONDS
    while True:
        personal = await database.fetchrow(
            """
            SELECT
              (SELECT count(*) FROM auth.users WHERE id = $1) AS users,
              (SELECT count(*) FROM chart.charts WHERE owner_id = $1) AS charts,
              (SELECT count(*) FROM chart.usage WHERE owner_id = $1) AS chart_usage,
              (SELECT count(*) FROM chart.entitlements WHERE user_id = $1) AS plan_projection,
              (SELECT count(*) FROM subscription.billing_customers WHERE user_id = $1) AS billing_info,
              (SELECT count(*) FROM subscription.billing_webhooks
                WHERE user_id = $1 AND payload IS NOT NULL) AS webhook_payloads,
              (SELECT count(*) FROM subscription.subscriptions
                WHERE user_id = $1 AND status <> 'canceled') AS live_subscriptions
            """,
            user_id,
        )
        if not any(personal.values()):
            break
        assert time.monotonic() < deadline, f"still there after {ERASURE_BOUND_SECONDS} s: {dict(personal)}"
        await asyncio.sleep(0.2)
    left = await database.fetchrow(
        """
        SELECT
          (SELECT status FROM subscription.subscriptions WHERE user_id = $1) AS subscription_status,
          (SELECT count(*) FROM subscription.usage_records WHERE user_id = $1) AS anonymous_usage_records,
          (SELECT count(*) FROM subscription.billing_webhooks WHERE user_id = $1) AS blank_webhooks
        """,
        user_id,
    )
    return dict(left)


async def _deletion_effects(database: asyncpg.Connection, user_id: str) -> dict[str, Any]:
    """The deletion event, its claims by each consumer and the events its handling published."""
    user_deleted = await database.fetch(
        """SELECT event_id FROM auth.outbox
           WHERE event_type = 'auth.user.deleted.v1' AND (body::jsonb -> 'payload' ->> 'user_id') = $1""",
        user_id,
    )
    event_id = user_deleted[0]["event_id"]
    caused = """SELECT body FROM {schema}.outbox
                WHERE event_type = $1 AND (body::jsonb ->> 'causation_id') = $2"""
    charts_deleted = await database.fetch(
        caused.format(schema="chart"), "chart.chart.deleted.v1", str(event_id)
    )
    changes = await database.fetch(
        caused.format(schema="subscription"), "subscription.subscription.changed.v1", str(event_id)
    )
    return {
        "user_deleted": user_deleted,
        "chart_claims": await database.fetchval(
            "SELECT count(*) FROM chart.inbox WHERE event_id = $1", event_id
        ),
        "subscription_claims": await database.fetchval(
            "SELECT count(*) FROM subscription.inbox WHERE event_id = $1", event_id
        ),
        "charts_deleted": [json.loads(row["body"])["payload"]["chart_id"] for row in charts_deleted],
        "subscription_changes": [json.loads(row["body"])["payload"]["status"] for row in changes],
    }
