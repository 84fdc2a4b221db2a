from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from nocturna_platform.security import Principal

OWNER = UUID("01937a6e-0000-7000-8000-0000000000aa")
STRANGER = UUID("01937a6e-0000-7000-8000-0000000000bb")


def _principal(*roles: str, subject: UUID = OWNER) -> Principal:
    return Principal(
        subject=subject,
        session_id=uuid4(),
        roles=frozenset(roles),
        scopes=frozenset(),
        token_id="t",
        expires_at=datetime(2030, 1, 1, tzinfo=UTC),
    )


def test_a_user_may_access_their_own_resources_only() -> None:
    user = _principal("user")

    assert user.can_access(OWNER)
    assert user.can_access(OWNER, "charts:read")
    assert not user.can_access(STRANGER)
    assert not user.can_access(STRANGER, "charts:write")


def test_an_admin_may_access_anyones_resources() -> None:
    admin = _principal("admin")

    assert admin.is_admin
    assert admin.can_access(STRANGER)
    assert admin.can_access(STRANGER, "charts:write")


def test_a_service_may_read_but_not_write_anyones_resources() -> None:
    service = _principal("service", subject=uuid4())

    assert service.is_service
    assert not service.is_admin
    assert service.can_access(STRANGER, "charts:read")
    assert not service.can_access(STRANGER, "charts:write")
    assert not service.can_access(STRANGER)


@pytest.mark.parametrize(
    ("roles", "permission", "granted"),
    [
        (("user",), "charts:read", True),
        (("user",), "charts:write", True),
        (("user",), "charts:read:any", False),
        (("user",), "admin", False),
        (("admin",), "charts:read:any", True),
        (("admin",), "subscriptions:write:any", True),
        (("admin",), "admin", True),
        (("admin",), "service", False),
        (("service",), "charts:read:any", True),
        (("service",), "charts:read", True),
        (("service",), "charts:write", False),
        (("service",), "admin", False),
        (("user", "service"), "charts:write", True),
        (("root",), "charts:read", False),
        ((), "charts:read", False),
    ],
)
def test_roles_grant_permissions(roles: tuple[str, ...], permission: str, granted: bool) -> None:
    assert _principal(*roles).has_permission(permission) is granted
