"""Use case: auth confirmed a user's email address, so paid checkout is open to them."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from nocturna_platform.messaging.meta import EventMeta

from nocturna_subscription.application.ports import SubscriptionUnitOfWork


class SubscriptionNotStartedYet(LookupError):
    """The user's `auth.user.registered.v1` has not been consumed yet; the event is retried with delay."""


class RecordEmailVerificationHandler:
    """Marks the user's subscription `email_verified` (checkout refuses unverified users with 403).

    Idempotent (inbox; an already verified subscription stays as it is). The registration and the
    verification travel on separate queues, so the verification may arrive first: it then fails and the
    platform redelivers it with growing delay until the subscription exists.
    """

    def __init__(self, uow: Callable[[], SubscriptionUnitOfWork]) -> None:
        self._uow = uow

    async def __call__(self, user_id: UUID, meta: EventMeta) -> None:
        async with self._uow() as uow:
            if not await uow.claim(meta):
                return
            subscription = await uow.subscriptions.for_user(user_id, lock=True)
            if subscription is None:
                raise SubscriptionNotStartedYet(str(user_id))
            if not subscription.email_verified:
                subscription.email_verified = True
                await uow.subscriptions.save(subscription)
            await uow.commit()
