"""The background upkeep: a due key rotation and the purge of spent refresh tokens."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from nocturna_auth.domain.refresh_tokens import RefreshToken
from nocturna_auth.domain.sessions import Session
from nocturna_auth.domain.signing_keys import KeyRotationPolicy
from nocturna_auth.domain.users import User
from nocturna_auth.infrastructure.maintenance import AuthMaintenance
from nocturna_auth.infrastructure.signing_keys import SqlSigningKeyStore
from nocturna_auth.infrastructure.tables import MESSAGING
from nocturna_auth.infrastructure.unit_of_work import SqlAuthUnitOfWork
from nocturna_auth.settings import DEVELOPMENT_KEY
from nocturna_platform.db.engine import create_session_factory
from nocturna_platform.ids import uuid7
from nocturna_platform.sealing import AesGcmSealer
from nocturna_platform.testing.infrastructure import Infrastructure
from sqlalchemy.ext.asyncio import AsyncEngine

from services.auth.tests.integration.flows import fresh_database

pytestmark = pytest.mark.integration

NOW = datetime(2026, 3, 1, tzinfo=UTC)
GRACE = timedelta(seconds=10)
POLICY = KeyRotationPolicy(rotate_after=timedelta(days=30), retention=timedelta(minutes=17))


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def engine(infrastructure: Infrastructure) -> AsyncIterator[AsyncEngine]:
    async with fresh_database(infrastructure) as engine:
        yield engine


def _maintenance(
    engine: AsyncEngine, clock: Clock, interval: timedelta = timedelta(hours=1)
) -> AuthMaintenance:
    factory = create_session_factory(engine)
    keys = SqlSigningKeyStore(
        factory, AesGcmSealer({"dev": DEVELOPMENT_KEY}, "dev"), clock, POLICY, timedelta(minutes=1)
    )
    return AuthMaintenance(keys, factory, clock, interval=interval, reuse_grace=GRACE)


async def _kids(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        return list((await connection.exec_driver_sql("SELECT kid FROM auth.signing_keys")).scalars())


async def test_a_round_purges_spent_refresh_tokens_and_keeps_the_rest(engine: AsyncEngine) -> None:
    clock = Clock()
    session = Session.start(
        session_id=uuid7(),
        user_id=uuid7(),
        now=NOW - timedelta(days=20),
        lifetime=timedelta(days=30),
        user_agent=None,
        ip=None,
    )
    user = User(
        id=session.user_id, email="ada@example.com", password_hash="x", display_name=None, created_at=NOW
    )

    def token(name: bytes, *, expires_in: timedelta, rotated_ago: timedelta | None = None) -> RefreshToken:
        return RefreshToken(
            digest=name.ljust(32, b"-"),
            session_id=session.id,
            scopes=frozenset(),
            issued_at=NOW - timedelta(days=1),
            expires_at=NOW + expires_in,
            rotated_at=NOW - rotated_ago if rotated_ago is not None else None,
            successor=b"sealed pair" if rotated_ago is not None else None,
        )

    tokens = [
        token(b"expired", expires_in=timedelta(0)),
        token(b"rotated-long-ago", expires_in=timedelta(days=1), rotated_ago=GRACE),
        token(b"rotated-just-now", expires_in=timedelta(days=1), rotated_ago=GRACE - timedelta(seconds=1)),
        token(b"live", expires_in=timedelta(days=1)),
    ]
    async with SqlAuthUnitOfWork(create_session_factory(engine), MESSAGING, clock) as uow:
        await uow.users.add(user)
        await uow.sessions.add(session)
        for refresh_token in tokens:
            await uow.refresh_tokens.add(refresh_token)
        await uow.commit()

    await _maintenance(engine, clock).run_once()

    async with SqlAuthUnitOfWork(create_session_factory(engine), MESSAGING, clock) as uow:
        left = {t.digest.rstrip(b"-"): await uow.refresh_tokens.get(t.digest) for t in tokens}
    assert left[b"expired"] is None
    assert [
        left[name] is not None and left[name].successor for name in (b"rotated-long-ago", b"rotated-just-now")
    ] == [
        None,
        b"sealed pair",
    ]
    assert left[b"live"] is not None
    assert len(await _kids(engine)) == 1


async def test_the_background_task_rotates_a_due_key_and_stops_with_the_service(engine: AsyncEngine) -> None:
    clock = Clock()
    await _maintenance(engine, clock).run_once()
    [old] = await _kids(engine)
    clock.now += POLICY.rotate_after
    maintenance = _maintenance(engine, clock, interval=timedelta(milliseconds=50))

    await maintenance.start()
    try:
        async with asyncio.timeout(10):
            while len(await _kids(engine)) < 2:
                await asyncio.sleep(0.05)
    finally:
        await maintenance.stop()

    assert old in await _kids(engine)
    assert len(await _kids(engine)) == 2
