"""Signing-key rotation: on schedule across replicas, by the CLI; old keys published until their tokens die."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from nocturna_auth.__main__ import main
from nocturna_auth.domain.signing_keys import KeyRotationPolicy
from nocturna_auth.infrastructure.signing_keys import SqlSigningKeyStore
from nocturna_auth.settings import DEVELOPMENT_KEY
from nocturna_platform.db.engine import create_session_factory
from nocturna_platform.sealing import AesGcmSealer
from nocturna_platform.testing.infrastructure import Infrastructure
from sqlalchemy.ext.asyncio import AsyncEngine

from services.auth.tests.conftest import AuthHarness
from services.auth.tests.integration.flows import bearer, fresh_database, sign_in

pytestmark = pytest.mark.integration

START = datetime(2026, 1, 1, tzinfo=UTC)
POLICY = KeyRotationPolicy(rotate_after=timedelta(days=30), retention=timedelta(minutes=16, seconds=30))
RELOAD = timedelta(seconds=60)


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
async def own_database(infrastructure: Infrastructure) -> AsyncIterator[AsyncEngine]:
    async with fresh_database(infrastructure) as engine:
        yield engine


@pytest.fixture
async def keys_database(own_database: AsyncEngine) -> AsyncEngine:
    """The own database without signing keys."""
    async with own_database.begin() as connection:
        await connection.exec_driver_sql("DELETE FROM auth.signing_keys")
    return own_database


def _replica(engine: AsyncEngine, clock: Clock) -> SqlSigningKeyStore:
    return SqlSigningKeyStore(
        create_session_factory(engine), AesGcmSealer({"dev": DEVELOPMENT_KEY}, "dev"), clock, POLICY, RELOAD
    )


async def _published(store: SqlSigningKeyStore) -> list[str]:
    return [key["kid"] for key in await store.public_keys()]


async def test_the_first_key_is_created_once_and_kept_until_due(keys_database: AsyncEngine) -> None:
    clock = Clock()
    replicas = [_replica(keys_database, clock) for _ in range(4)]

    first = {(await replica.current()).kid for replica in replicas}
    clock.now += POLICY.rotate_after - timedelta(seconds=1)

    assert await replicas[0].rotate() is None
    assert len(first) == 1
    assert await _published(replicas[0]) == list(first)


async def test_a_due_rotation_checked_by_many_replicas_at_once_creates_one_key(
    keys_database: AsyncEngine,
) -> None:
    clock = Clock()
    replicas = [_replica(keys_database, clock) for _ in range(8)]
    old = (await replicas[0].current()).kid
    await asyncio.gather(*(replica.public_keys() for replica in replicas))  # a connection ready for each
    clock.now += POLICY.rotate_after

    created = [kid for kid in await asyncio.gather(*(replica.rotate() for replica in replicas)) if kid]

    assert len(created) == 1
    assert await _published(replicas[0]) == [created[0], old]


async def test_other_replicas_sign_with_the_new_key_after_their_reload(keys_database: AsyncEngine) -> None:
    clock = Clock()
    rotating, other = _replica(keys_database, clock), _replica(keys_database, clock)
    old = (await other.current()).kid

    new = await rotating.rotate(force=True)

    assert new is not None
    assert new != old
    assert (await rotating.current()).kid == new
    assert (await other.current()).kid == old  # cached: still a published key
    clock.now += RELOAD
    assert (await other.current()).kid == new


async def test_a_retired_key_is_published_until_its_last_token_expired_then_deleted(
    keys_database: AsyncEngine,
) -> None:
    clock = Clock()
    store = _replica(keys_database, clock)
    old = (await store.current()).kid
    new = await store.rotate(force=True)
    assert new is not None

    clock.now += POLICY.retention - timedelta(seconds=1)
    assert await _published(store) == [new, old]
    assert (await store.get(old)) is not None

    clock.now += timedelta(seconds=1)
    assert await _published(store) == [new]
    await store.rotate()  # the scheduled check deletes what no token can need
    async with keys_database.connect() as connection:
        kids = (await connection.exec_driver_sql("SELECT kid FROM auth.signing_keys")).scalars().all()
    assert kids == [new]


async def test_the_cli_rotates_the_key_and_old_tokens_keep_working(
    auth: AuthHarness, capsys: pytest.CaptureFixture[str]
) -> None:
    signed_in = await sign_in(auth)
    old = (await auth.service.signing_keys.current()).kid

    await asyncio.to_thread(main, ["rotate-signing-keys"])

    new = capsys.readouterr().out.strip().rsplit(" ", 1)[-1]
    assert new != old
    published = [key["kid"] for key in (await auth.client.get("/.well-known/jwks.json")).json()["keys"]]
    assert published[:1] == [new]
    assert old in published
    assert (await auth.client.get("/api/v1/auth/me", headers=signed_in.headers)).status_code == 200


async def test_the_cli_creates_a_service_client_and_prints_its_secret_once(
    auth: AuthHarness, capsys: pytest.CaptureFixture[str]
) -> None:
    await asyncio.to_thread(main, ["create-service-client", "chart", "--scopes", "charts:read"])

    lines = dict(line.split(": ", 1) for line in capsys.readouterr().out.splitlines() if ": " in line)
    response = await auth.client.post(
        "/api/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": lines["client_id"],
            "client_secret": lines["client_secret"],
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "charts:read"
    me = await auth.client.get("/api/v1/auth/sessions", headers=bearer(response.json()["access_token"]))
    assert me.status_code == 200
