"""`Idempotency-Key` on checkout: the same request answers the same session; another request is refused."""

from __future__ import annotations

import asyncio
from uuid import UUID

import httpx
from sqlalchemy import text

from services.subscription.tests.conftest import SubscriptionHarness

CHECKOUT = "/api/v1/subscriptions/me/checkout"


async def _checkout(subscription: SubscriptionHarness, user_id: UUID, plan: str, key: str) -> httpx.Response:
    headers = {**subscription.token(user_id), "Idempotency-Key": key}
    return await subscription.client.post(CHECKOUT, json={"plan": plan}, headers=headers)


async def _checkouts_of(subscription: SubscriptionHarness, user_id: UUID) -> int:
    [row] = await subscription.sql(
        "SELECT count(*) AS n FROM subscription.checkouts WHERE user_id = :u", u=user_id
    )
    return int(row.n)


async def test_the_same_key_and_body_answer_the_same_session(subscription: SubscriptionHarness) -> None:
    user_id = await subscription.registered_user()

    first = await _checkout(subscription, user_id, "pro", "k-1")
    again = await _checkout(subscription, user_id, "pro", "k-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert await _checkouts_of(subscription, user_id) == 1


async def test_the_same_key_with_another_body_is_refused(subscription: SubscriptionHarness) -> None:
    user_id = await subscription.registered_user()
    await _checkout(subscription, user_id, "pro", "k-2")

    other = await _checkout(subscription, user_id, "business", "k-2")

    assert other.status_code == 422
    assert other.headers["content-type"].startswith("application/problem+json")
    assert other.json()["code"] == "idempotency_key_reused"
    assert await _checkouts_of(subscription, user_id) == 1


async def test_concurrent_requests_with_one_key_open_one_session(subscription: SubscriptionHarness) -> None:
    user_id = await subscription.registered_user()

    answers = await asyncio.gather(*(_checkout(subscription, user_id, "pro", "k-3") for _ in range(6)))

    assert {answer.status_code for answer in answers} == {201}
    assert len({answer.json()["id"] for answer in answers}) == 1
    assert await _checkouts_of(subscription, user_id) == 1


async def test_keys_are_per_user(subscription: SubscriptionHarness) -> None:
    alice, bob = await subscription.registered_user(), await subscription.registered_user()

    first = await _checkout(subscription, alice, "pro", "shared")
    second = await _checkout(subscription, bob, "business", "shared")

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]


async def test_a_refused_request_does_not_hold_its_key(subscription: SubscriptionHarness) -> None:
    user_id = await subscription.registered_user()

    refused = await _checkout(subscription, user_id, "free", "k-4")
    accepted = await _checkout(subscription, user_id, "pro", "k-4")

    assert (refused.status_code, accepted.status_code) == (409, 201)


async def test_an_empty_key_is_a_validation_problem(subscription: SubscriptionHarness) -> None:
    user_id = await subscription.registered_user()

    answer = await _checkout(subscription, user_id, "pro", "")

    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")


async def test_expired_keys_are_purged_by_later_reservations(subscription: SubscriptionHarness) -> None:
    """A day-old key of someone who never came back is deleted by the next keyed checkout of anyone."""
    gone, user_id = await subscription.registered_user(), await subscription.registered_user()
    await _checkout(subscription, gone, "pro", "old-key")
    session_factory = subscription.service.shell.session_factory
    assert session_factory is not None
    async with session_factory() as session:
        await session.execute(
            text(
                "UPDATE subscription.checkout_requests SET expires_at = now() - interval '1 hour' WHERE user_id = :u"
            ),
            {"u": gone},
        )
        await session.commit()

    await _checkout(subscription, user_id, "pro", "new-key")

    left = await subscription.sql("SELECT 1 FROM subscription.checkout_requests WHERE user_id = :u", u=gone)
    assert left == []
