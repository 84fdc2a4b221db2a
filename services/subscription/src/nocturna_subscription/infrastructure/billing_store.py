"""SQL storage of billing: encrypted customers, checkouts and the provider webhook log."""

from __future__ import annotations

import json
from datetime import datetime
from uuid import UUID

from nocturna_platform.ids import uuid7
from nocturna_platform.sealing import AesGcmSealer
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from nocturna_subscription.domain.billing import BillingInfo, Checkout
from nocturna_subscription.infrastructure.tables import BillingCustomerRow, BillingWebhookRow, CheckoutRow

WEBHOOKS = BillingWebhookRow.__table__  # type: ignore[attr-defined]


def _context(key_id: str) -> bytes:
    """The key id is the associated data, so a ciphertext cannot be read under another key."""
    return key_id.encode()


class SqlBillingCustomerRepository:
    def __init__(self, session: AsyncSession, sealer: AesGcmSealer) -> None:
        self._session = session
        self._sealer = sealer

    async def get(self, user_id: UUID) -> BillingInfo | None:
        row = await self._session.get(BillingCustomerRow, user_id)
        if row is None:
            return None
        fields = json.loads(self._sealer.open(row.key_id, row.ciphertext, _context(row.key_id)))
        return BillingInfo(provider=row.provider, **fields)

    async def put(self, user_id: UUID, info: BillingInfo, now: datetime) -> None:
        plaintext = json.dumps(
            {"customer_id": info.customer_id, "email": info.email, "country": info.country}
        )
        row = await self._session.get(BillingCustomerRow, user_id)
        if row is None:
            row = BillingCustomerRow(
                user_id=user_id, provider=info.provider, key_id="", ciphertext=b"", updated_at=now
            )
            self._session.add(row)
        key_id = self._sealer.current_key_id
        row.key_id, row.ciphertext = self._sealer.seal(plaintext.encode(), _context(key_id))
        row.provider, row.updated_at = info.provider, now

    async def erase(self, user_id: UUID) -> None:
        row = await self._session.get(BillingCustomerRow, user_id)
        if row is not None:
            await self._session.delete(row)


class SqlCheckoutRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, checkout: Checkout) -> None:
        self._session.add(CheckoutRow(**checkout.__dict__))

    async def get(self, checkout_id: UUID) -> Checkout | None:
        row = await self._session.get(CheckoutRow, checkout_id, with_for_update=True)
        if row is None:
            return None
        return Checkout(
            id=row.id,
            user_id=row.user_id,
            plan_code=row.plan_code,
            provider=row.provider,
            session_id=row.session_id,
            status=row.status,  # type: ignore[arg-type]
            created_at=row.created_at,
        )

    async def save(self, checkout: Checkout) -> None:
        row = await self._session.get(CheckoutRow, checkout.id)
        if row is not None:
            row.status = checkout.status


class SqlWebhookLog:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def store(self, provider: str, event_id: str, payload: str, received_at: datetime) -> None:
        await self._session.execute(
            insert(WEBHOOKS)
            .values(
                id=uuid7(),
                provider=provider,
                provider_event_id=event_id,
                payload=payload,
                received_at=received_at,
            )
            .on_conflict_do_nothing(index_elements=["provider", "provider_event_id"])
        )

    async def claim_unprocessed(self, provider: str, event_id: str) -> bool:
        """Lock the stored webhook; False when another delivery processed it already."""
        row = await self._session.execute(
            select(WEBHOOKS.c.processed_at)
            .where(WEBHOOKS.c.provider == provider, WEBHOOKS.c.provider_event_id == event_id)
            .with_for_update()
        )
        found = row.first()
        return found is not None and found.processed_at is None

    async def mark_processed(
        self, provider: str, event_id: str, user_id: UUID | None, outcome: str, now: datetime
    ) -> None:
        await self._session.execute(
            update(WEBHOOKS)
            .where(WEBHOOKS.c.provider == provider, WEBHOOKS.c.provider_event_id == event_id)
            .values(processed_at=now, outcome=outcome, user_id=user_id)
        )

    async def erase_payloads_of(self, user_id: UUID) -> None:
        await self._session.execute(
            update(WEBHOOKS).where(WEBHOOKS.c.user_id == user_id).values(payload=None)
        )
