"""`auth.user.email_verified.v1` opens paid checkout to a user who registered unverified."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from nocturna_contracts.auth.v1 import UserEmailVerified, UserRegistered
from nocturna_platform.ids import uuid7

from services.subscription.tests.conftest import SubscriptionHarness, eventually

CHECKOUT = "/api/v1/subscriptions/me/checkout"


def _verified(user_id: UUID) -> UserEmailVerified:
    return UserEmailVerified(
        user_id=user_id, email=f"{user_id.hex}@example.com", verified_at=datetime.now(UTC)
    )


async def _verified_flag(subscription: SubscriptionHarness, user_id: UUID) -> bool:
    [(flag,)] = await subscription.sql(
        "SELECT email_verified FROM subscription.subscriptions WHERE user_id = :user_id", user_id=user_id
    )
    return bool(flag)


async def test_a_verified_email_opens_paid_checkout(subscription: SubscriptionHarness) -> None:
    user_id = await subscription.registered_user(email_verified=False)
    refused = await subscription.post(CHECKOUT, user_id, {"plan": "pro"})

    event_id = await subscription.publish(_verified(user_id))
    await subscription.publish(_verified(user_id), event_id=event_id)  # a redelivery changes nothing more
    opened = await eventually(
        lambda: subscription.post(CHECKOUT, user_id, {"plan": "pro"}), lambda r: r.status_code == 201
    )

    assert (refused.status_code, refused.json()["code"]) == (403, "email_not_verified")
    assert opened.status_code == 201, opened.text
    assert await _verified_flag(subscription, user_id)


async def test_a_verification_that_overtakes_the_registration_is_retried_until_it_applies(
    subscription: SubscriptionHarness,
) -> None:
    user_id = uuid7()

    await subscription.publish(_verified(user_id))
    await subscription.publish(
        UserRegistered(
            user_id=user_id,
            email=f"{user_id.hex}@example.com",
            email_verified=False,
            registered_at=datetime.now(UTC),
        )
    )
    opened = await eventually(
        lambda: subscription.post(CHECKOUT, user_id, {"plan": "pro"}), lambda r: r.status_code == 201
    )

    assert opened.status_code == 201, opened.text
    assert await _verified_flag(subscription, user_id)
