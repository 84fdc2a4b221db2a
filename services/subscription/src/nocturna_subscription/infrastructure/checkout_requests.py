"""SQL storage of checkout requests by idempotency key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from nocturna_subscription.domain.billing import CheckoutRequest, CheckoutSession
from nocturna_subscription.infrastructure.tables import CheckoutRequestRow

REQUESTS = CheckoutRequestRow.__table__  # type: ignore[attr-defined]
PURGE_BATCH = 100


class SqlCheckoutRequestRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def reserve(self, request: CheckoutRequest, now: datetime) -> CheckoutRequest:
        """One upsert: a concurrent request with the same key waits on the primary key until the first
        commits, then finds it; an expired request is overwritten. Each reservation also deletes up to
        `PURGE_BATCH` expired requests of anyone, which keeps the table at about a day of keys."""
        await self._purge_expired(now)
        new = insert(REQUESTS).values(
            user_id=request.user_id,
            idempotency_key=request.key,
            fingerprint=request.fingerprint,
            checkout_id=request.checkout_id,
            created_at=request.created_at,
            expires_at=request.expires_at,
        )
        statement = new.on_conflict_do_update(
            index_elements=["user_id", "idempotency_key"],
            set_={
                "fingerprint": new.excluded.fingerprint,
                "checkout_id": new.excluded.checkout_id,
                "session_id": None,
                "url": None,
                "created_at": new.excluded.created_at,
                "expires_at": new.excluded.expires_at,
            },
            where=REQUESTS.c.expires_at <= now,
        ).returning(REQUESTS.c.checkout_id)
        if (await self._session.execute(statement)).first() is not None:
            return request
        row = (
            await self._session.execute(
                select(REQUESTS).where(
                    REQUESTS.c.user_id == request.user_id, REQUESTS.c.idempotency_key == request.key
                )
            )
        ).one()
        session = CheckoutSession(row.session_id, row.url) if row.session_id is not None else None
        return CheckoutRequest(
            user_id=row.user_id,
            key=row.idempotency_key,
            fingerprint=row.fingerprint,
            checkout_id=row.checkout_id,
            created_at=row.created_at,
            expires_at=row.expires_at,
            session=session,
        )

    async def complete(self, request: CheckoutRequest, session: CheckoutSession) -> None:
        await self._session.execute(
            update(REQUESTS).where(self._this(request)).values(session_id=session.id, url=session.url)
        )

    async def release(self, request: CheckoutRequest) -> None:
        await self._session.execute(delete(REQUESTS).where(self._this(request)))

    @staticmethod
    def _this(request: CheckoutRequest) -> ColumnElement[bool]:
        return and_(
            REQUESTS.c.user_id == request.user_id,
            REQUESTS.c.idempotency_key == request.key,
            REQUESTS.c.checkout_id == request.checkout_id,
        )

    async def _purge_expired(self, now: datetime) -> None:
        expired = (
            select(REQUESTS.c.user_id, REQUESTS.c.idempotency_key)
            .where(REQUESTS.c.expires_at <= now)
            .limit(PURGE_BATCH)
            .with_for_update(skip_locked=True)
        )
        await self._session.execute(
            delete(REQUESTS).where(tuple_(REQUESTS.c.user_id, REQUESTS.c.idempotency_key).in_(expired))
        )
