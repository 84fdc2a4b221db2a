"""Background upkeep every replica runs: signing-key rotation when due, purge of spent refresh tokens."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from nocturna_platform.periodic import PeriodicTask
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nocturna_auth.infrastructure.refresh_token_repository import purge_refresh_tokens
from nocturna_auth.infrastructure.signing_keys import SqlSigningKeyStore

logger = logging.getLogger(__name__)


class AuthMaintenance:
    """Runs at start and then every `interval`; safe on all replicas at once (rotation takes an advisory
    lock, purges are idempotent). A failed round is logged and retried at the next one."""

    def __init__(
        self,
        keys: SqlSigningKeyStore,
        session_factory: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime],
        *,
        interval: timedelta,
        reuse_grace: timedelta,
    ) -> None:
        self._keys = keys
        self._session_factory = session_factory
        self._clock = clock
        self._interval = interval
        self._reuse_grace = reuse_grace
        self._periodic = PeriodicTask("auth-maintenance", self.run_once, interval.total_seconds())

    async def run_once(self) -> None:
        kid = await self._keys.rotate()
        if kid is not None:
            logger.info("signing key rotated", extra={"kid": kid})
        await purge_refresh_tokens(self._session_factory, now=self._clock(), reuse_grace=self._reuse_grace)

    async def start(self) -> None:
        await self._periodic.start()

    async def stop(self) -> None:
        await self._periodic.stop()
