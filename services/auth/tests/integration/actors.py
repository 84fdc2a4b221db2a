"""Who calls the auth service in integration tests: users, admins, the gateway; and what it published."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from nocturna_auth.application.create_admin import CreateAdmin
from nocturna_auth.infrastructure.signing_keys import SqlSigningKeyStore
from nocturna_auth.infrastructure.tables import MESSAGING, UserRow
from nocturna_platform.ids import uuid7
from nocturna_platform.security.signing import issue_access_token
from sqlalchemy import cast, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from services.auth.tests.conftest import PASSWORD, AuthHarness, unique_email


@dataclass(frozen=True)
class Actor:
    id: UUID
    email: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def sessions_of(auth: AuthHarness) -> async_sessionmaker[AsyncSession]:
    factory = auth.service.shell.session_factory
    assert factory is not None
    return factory


async def sign_in(auth: AuthHarness, email: str, password: str = PASSWORD) -> str:
    response = await auth.password_grant(email, password)
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


async def user(auth: AuthHarness, *, verified: bool = True) -> Actor:
    """A registered, signed-in user; `verified` sets `email_verified` in the database (no mail round trip)."""
    registered = await auth.register()
    user_id, email = UUID(str(registered["id"])), str(registered["email"])
    if verified:
        async with sessions_of(auth)() as session:
            await session.execute(
                update(UserRow).where(col(UserRow.id) == user_id).values(email_verified=True)
            )
            await session.commit()
    return Actor(user_id, email, await sign_in(auth, email))


async def admin(auth: AuthHarness) -> Actor:
    """Created through the create-admin use case, signed in with the password grant."""
    email = unique_email()
    created = await auth.service.use_cases.create_admin(CreateAdmin(email, PASSWORD))
    return Actor(created.user.id, email, await sign_in(auth, email))


async def gateway(auth: AuthHarness) -> Actor:
    """A `service` principal (the gateway), its token signed with the service's current key."""
    keys = auth.service.use_cases.signing_keys
    assert isinstance(keys, SqlSigningKeyStore)
    issuing = auth.service.shell.settings.issuing
    client_id = uuid7()
    token = issue_access_token(
        await keys.current(),
        issuer=issuing.issuer,
        audience=issuing.audience,
        subject=client_id,
        session_id=None,
        roles={"service"},
        scopes=(),
        ttl=timedelta(minutes=5),
        now=auth.service.shell.clock(),
        token_id=str(uuid7()),
    )
    return Actor(client_id, "gateway@service", token)


async def events_about(auth: AuthHarness, user_id: UUID) -> list[tuple[str, dict[str, Any]]]:
    """(event type, payload) of every outbox row whose payload names the user, in publishing order."""
    outbox = MESSAGING.outbox
    statement = (
        select(outbox.c.event_type, outbox.c.body)
        .where(cast(outbox.c.body, JSONB)["payload"]["user_id"].astext == str(user_id))
        .order_by(outbox.c.id)
    )
    async with sessions_of(auth)() as session:
        rows = (await session.execute(statement)).all()
    return [(event_type, json.loads(body)["payload"]) for event_type, body in rows]


def types_of(events: list[tuple[str, dict[str, Any]]]) -> list[str]:
    return [event_type for event_type, _ in events]
