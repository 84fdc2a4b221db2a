"""Who is calling, as proven by a verified access token, and what their roles let them do."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from types import MappingProxyType
from uuid import UUID

ANY_OWNER = "*:any"
"""Held by a principal allowed to act on every user's resources."""

ADMIN = "admin"
SERVICE = "service"

_RESOURCES = ("charts", "profiles", "subscriptions", "sessions", "api_keys")
_OWN = frozenset(f"{resource}:{action}" for resource in _RESOURCES for action in ("read", "write"))

ROLE_PERMISSIONS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "user": _OWN,
        "admin": _OWN | {ANY_OWNER, ADMIN},
        "service": frozenset({SERVICE}) | {f"{resource}:read:any" for resource in _RESOURCES},
    }
)
"""Permissions granted by each role; `X:any` implies `X`, and `*:any` implies every resource permission."""


@dataclass(frozen=True)
class Principal:
    """The authenticated caller; unknown roles grant nothing."""

    subject: UUID
    session_id: UUID | None
    roles: frozenset[str]
    scopes: frozenset[str]
    token_id: str
    expires_at: datetime

    @property
    def is_service(self) -> bool:
        return SERVICE in self.roles

    @property
    def is_admin(self) -> bool:
        return ADMIN in self.roles

    @cached_property
    def permissions(self) -> frozenset[str]:
        return frozenset().union(*(ROLE_PERMISSIONS.get(role, frozenset()) for role in self.roles))

    def has_permission(self, permission: str) -> bool:
        held = self.permissions
        if permission in held or f"{permission}:any" in held:
            return True
        return ANY_OWNER in held and ":" in permission

    def can_access(self, owner_id: UUID, permission: str | None = None) -> bool:
        """Owner, or holds `*:any`, or `<permission>:any` when a permission such as `charts:read` is given."""
        if owner_id == self.subject or ANY_OWNER in self.permissions:
            return True
        return permission is not None and f"{permission}:any" in self.permissions
