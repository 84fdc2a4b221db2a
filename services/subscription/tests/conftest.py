from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aio_pika
import httpx
import pytest
from nocturna_contracts.auth.v1 import UserRegistered
from nocturna_contracts.envelope import Envelope
from nocturna_contracts.event import Event
from nocturna_platform.ids import uuid7
from nocturna_platform.security.jwks import StaticKeySet
from nocturna_platform.security.signing import SigningKey, issue_access_token
from nocturna_platform.security.verifier import TokenVerifier
from nocturna_platform.testing.serving import serving
from nocturna_subscription.bootstrap import SubscriptionService
from nocturna_subscription.settings import SubscriptionSettings
from sqlalchemy import text


@dataclass
class SubscriptionHarness:
    service: SubscriptionService
    client: httpx.AsyncClient
    key: SigningKey
    channel: aio_pika.abc.AbstractChannel
    exchange_name: str

    def token(self, user_id: uuid.UUID, roles: tuple[str, ...] = ("user",)) -> dict[str, str]:
        settings = self.service.shell.settings.tokens
        token = issue_access_token(
            self.key,
            issuer=settings.issuer,
            audience=settings.audience,
            subject=user_id,
            session_id=uuid7(),
            roles=roles,
            scopes=(),
            ttl=timedelta(minutes=15),
            now=datetime.now(UTC),
            token_id=uuid.uuid4().hex,
        )
        return {"Authorization": f"Bearer {token}"}

    async def publish(self, event: Event, event_id: uuid.UUID | None = None) -> uuid.UUID:
        envelope = Envelope.wrap(event, event_id=event_id or uuid7(), occurred_at=datetime.now(UTC))
        exchange = await self.channel.get_exchange(self.exchange_name, ensure=False)
        await exchange.publish(
            aio_pika.Message(
                envelope.model_dump_json().encode(),
                message_id=str(envelope.event_id),
                content_type="application/json",
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            ),
            routing_key=envelope.event_type,
        )
        return envelope.event_id

    async def registered_user(self, *, email_verified: bool = True) -> uuid.UUID:
        user_id = uuid7()
        await self.publish(
            UserRegistered(
                user_id=user_id,
                email=f"{user_id.hex}@example.com",
                email_verified=email_verified,
                registered_at=datetime.now(UTC),
            )
        )
        await eventually(
            lambda: self.get("/api/v1/subscriptions/me", user_id), lambda r: r.status_code == 200
        )
        return user_id

    async def post(
        self, path: str, user_id: uuid.UUID, json: object = None, roles: tuple[str, ...] = ("user",)
    ) -> httpx.Response:
        return await self.client.post(path, json=json, headers=self.token(user_id, roles))

    async def sql(self, statement: str, **params: object) -> list[Any]:
        shell = self.service.shell
        assert shell.session_factory is not None
        async with shell.session_factory() as session:
            return list((await session.execute(text(statement), params)).all())

    async def get(self, path: str, user_id: uuid.UUID, roles: tuple[str, ...] = ("user",)) -> httpx.Response:
        return await self.client.get(path, headers=self.token(user_id, roles))


async def eventually(
    probe: Callable[[], Awaitable[Any]], done: Callable[[Any], bool], timeout: float = 30.0
) -> Any:
    """Poll `probe` until `done` holds; events cross a real broker, so effects arrive asynchronously."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await probe()
        if done(value) or asyncio.get_running_loop().time() > deadline:
            return value
        await asyncio.sleep(0.05)


def with_test_keys(service: SubscriptionService, key: SigningKey) -> None:
    settings = service.shell.settings.tokens
    service.app.state.token_verifier = TokenVerifier(
        settings, StaticKeySet.from_signing_keys(key), service.shell.clock
    )


@pytest.fixture(scope="session")
async def subscription(test_env: dict[str, str]) -> AsyncIterator[SubscriptionHarness]:
    """One subscription service for the run, on the run's database and exchange, with locally issued tokens."""
    key = SigningKey.generate()
    service = SubscriptionService(SubscriptionSettings())
    with_test_keys(service, key)
    async with serving(service, base_url="http://subscription.test") as client:
        connection = await aio_pika.connect_robust(test_env["AMQP_URL"])
        async with connection:
            channel = await connection.channel()
            yield SubscriptionHarness(service, client, key, channel, test_env["MESSAGING__EXCHANGE"])
