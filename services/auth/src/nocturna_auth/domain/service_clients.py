"""Service clients: other services calling with the OAuth2 client-credentials grant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from nocturna_auth.domain.users import DomainError, PasswordHasher

MAX_NAME_LENGTH = 100


class InvalidClient(DomainError):
    """Unknown client, wrong secret or disabled client: one answer for all."""

    code = "invalid_client"


class InvalidClientName(DomainError):
    code = "invalid_name"


@dataclass
class ServiceClient:
    """A machine caller; its secret is stored hashed and its tokens never carry more than `scopes`."""

    id: UUID
    name: str
    secret_hash: str
    scopes: frozenset[str]
    created_at: datetime
    disabled_at: datetime | None = None

    @classmethod
    async def register(
        cls,
        *,
        client_id: UUID,
        name: str,
        secret: str,
        scopes: frozenset[str],
        hasher: PasswordHasher,
        now: datetime,
    ) -> ServiceClient:
        name = name.strip()
        if not name or len(name) > MAX_NAME_LENGTH:
            raise InvalidClientName(f"the name must have 1 to {MAX_NAME_LENGTH} characters")
        return cls(
            id=client_id, name=name, secret_hash=await hasher.hash(secret), scopes=scopes, created_at=now
        )

    @property
    def is_disabled(self) -> bool:
        return self.disabled_at is not None

    async def authenticate(self, secret: str, hasher: PasswordHasher) -> bool:
        """Verify the secret; rehash it when the hashing parameters changed."""
        if not await hasher.verify(self.secret_hash, secret):
            return False
        if hasher.needs_rehash(self.secret_hash):
            self.secret_hash = await hasher.hash(secret)
        return True
