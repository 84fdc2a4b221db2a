"""SQL storage of billing: encrypted customers, checkouts and the provider webhook log."""

from __future__ import annotations

import base64
import json
import os
from datetime import datetime
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from nocturna_platform.ids import uuid7
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from nocturna_subscription.domain.billing import BillingInfo, Checkout
from nocturna_subscription.infrastructure.tables import BillingCustomerRow, BillingWebhookRow, CheckoutRow

NONCE_BYTES = 12
WEBHOOKS = BillingWebhookRow.__table__  # type: ignore[attr-defined]


class BillingInfoCipher:
    """AES-256-GCM; the key id is associated data, so a ciphertext cannot be read under another key."""

    def __init__(self, key_b64: str, key_id: str) -> None:
        self._aes = AESGCM(base64.b64decode(key_b64))
        self.key_id = key_id

    def encrypt(self, plaintext: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aes.encrypt(nonce, plaintext, self.key_id.encode())

    def decrypt(self, ciphertext: bytes, key_id: str) -> bytes:
        if key_id != self.key_id:
            raise LookupError(f"billing info is encrypted under unknown key {key_id!r}")
        return self._aes.decrypt(ciphertext[:NONCE_BYTES], ciphertext[NONCE_BYTES:], key_id.encode())


class SqlBillingCustomerRepository:
    def __init__(self, session: AsyncSession, cipher: BillingInfoCipher) -> None:
        self._session = session
        self._cipher = cipher

    async def get(self, user_id: UUID) -> BillingInfo | None:
        row = await self._session.get(BillingCustomerRow, user_id)
        if row is None:
            return None
        fields = json.loads(self._cipher.decrypt(row.ciphertext, row.key_id))
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
        row.provider, row.key_id, row.updated_at = info.provider, self._cipher.key_id, now
        row.ciphertext = self._cipher.encrypt(plaintext.encode())

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
