"""Use case: register a service client for the client-credentials grant; its secret is shown once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from nocturna_auth.application.session_tokens import new_secret
from nocturna_auth.application.unit_of_work import AuthUnitOfWork
from nocturna_auth.domain.scopes import parse_scopes
from nocturna_auth.domain.service_clients import ServiceClient
from nocturna_auth.domain.users import PasswordHasher

MIN_GIVEN_SECRET_LENGTH = 32


class ServiceClientConflict(Exception):
    """A client with the given id exists with another secret."""


@dataclass(frozen=True)
class CreateServiceClient:
    name: str
    scopes: str = ""
    client_id: UUID | None = None
    secret: str | None = None
    """Both given: provision that client (deployments that hand the gateway its credentials up front);
    idempotent while the secret matches."""


@dataclass(frozen=True)
class CreatedServiceClient:
    client: ServiceClient
    secret: str
    """The only time the secret exists outside its hash: hand it to the client now."""


class CreateServiceClientHandler:
    """Stores a new client with a 256-bit random secret, hashed like a password."""

    def __init__(
        self,
        uow: Callable[[], AuthUnitOfWork],
        hasher: PasswordHasher,
        clock: Callable[[], datetime],
        new_id: Callable[[], UUID],
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock
        self._new_id = new_id

    async def __call__(self, command: CreateServiceClient) -> CreatedServiceClient:
        if command.client_id is not None and command.secret is not None:
            return await self._provision(command, command.client_id, command.secret)
        secret = new_secret()
        client = await ServiceClient.register(
            client_id=self._new_id(),
            name=command.name,
            secret=secret,
            scopes=parse_scopes(command.scopes),
            hasher=self._hasher,
            now=self._clock(),
        )
        async with self._uow() as uow:
            await uow.service_clients.add(client)
            await uow.commit()
        return CreatedServiceClient(client, secret)

    async def _provision(
        self, command: CreateServiceClient, client_id: UUID, secret: str
    ) -> CreatedServiceClient:
        if len(secret) < MIN_GIVEN_SECRET_LENGTH:
            raise ValueError(f"a given client secret needs at least {MIN_GIVEN_SECRET_LENGTH} characters")
        async with self._uow() as uow:
            existing = await uow.service_clients.get(client_id)
            if existing is not None:
                if not await self._hasher.verify(existing.secret_hash, secret):
                    raise ServiceClientConflict(f"client {client_id} exists with another secret")
                return CreatedServiceClient(existing, secret)
            client = await ServiceClient.register(
                client_id=client_id,
                name=command.name,
                secret=secret,
                scopes=parse_scopes(command.scopes),
                hasher=self._hasher,
                now=self._clock(),
            )
            await uow.service_clients.add(client)
            await uow.commit()
        return CreatedServiceClient(client, secret)
