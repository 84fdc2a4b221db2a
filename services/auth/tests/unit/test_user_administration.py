from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from nocturna_auth.application.change_roles import ChangeRoles, ChangeRolesHandler
from nocturna_auth.application.create_admin import (
    AdminCreation,
    CreateAdmin,
    CreateAdminHandler,
    PasswordRequired,
)
from nocturna_auth.application.create_api_key import CreateApiKey, CreateApiKeyHandler
from nocturna_auth.application.delete_account import DeleteAccount, DeleteAccountHandler
from nocturna_auth.application.delete_user import DeleteUser, DeleteUserHandler
from nocturna_auth.application.disable_user import DisableUser, DisableUserHandler
from nocturna_auth.application.enable_user import EnableUser, EnableUserHandler
from nocturna_auth.application.limit_login_attempts import ThrottledPasswordCheck
from nocturna_auth.application.register_user import RegisterUser, RegisterUserHandler
from nocturna_auth.application.search_users import SearchUsers, SearchUsersHandler
from nocturna_auth.domain.lockout import LockoutPolicy
from nocturna_auth.domain.sessions import RevocationReason, Session
from nocturna_auth.domain.users import (
    InvalidRoles,
    PasswordMismatch,
    SelfLockout,
    TooManyAttempts,
    User,
    UserNotFound,
    WeakPassword,
)
from nocturna_auth.infrastructure.api_key_hashing import HmacSecretHasher
from nocturna_contracts.auth.v1 import (
    ApiKeyRevoked,
    SessionRevoked,
    UserDeleted,
    UserEmailVerified,
    UserRegistered,
    UserRolesChanged,
)

from services.auth.tests.fakes import FakePasswordHasher, InMemoryAuthStore, InMemoryLoginAttemptLimiter
from services.auth.tests.unit.builders import POLICY, mailer
from services.auth.tests.unit.watching import CountedUnits, WatchedHasher

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
TTL = timedelta(minutes=15)
PASSWORD = "correct horse battery staple"
ADMIN = UUID(int=1)


@pytest.fixture
def store() -> InMemoryAuthStore:
    store = InMemoryAuthStore(NOW)
    store.users[ADMIN] = User(
        ADMIN, "root@example.com", "v1$x", None, NOW, True, frozenset({"user", "admin"})
    )
    return store


def _user(store: InMemoryAuthStore, n: int, email: str | None = None, *roles: str) -> User:
    user = User(
        UUID(int=n),
        email or f"user{n}@example.com",
        f"v1${PASSWORD}",
        None,
        NOW,
        email_verified=True,
        roles=frozenset(roles or {"user"}),
    )
    store.users[user.id] = user
    return user


def _session(store: InMemoryAuthStore, user: User, n: int, *, revoked: bool = False) -> Session:
    session = Session.start(
        session_id=UUID(int=1000 + n),
        user_id=user.id,
        now=NOW,
        lifetime=timedelta(days=1),
        user_agent=None,
        ip=None,
    )
    if revoked:
        session.revoke(NOW, RevocationReason.LOGOUT)
    store.sessions[session.id] = session
    return session


async def _key(store: InMemoryAuthStore, user: User, n: int) -> UUID:
    handler = CreateApiKeyHandler(
        store, HmacSecretHasher(b"k" * 32), lambda: NOW, lambda: UUID(int=2000 + n), 20
    )
    created = await handler(CreateApiKey(user.id, f"key {n}", frozenset({"charts:read"})))
    return created.key.id


async def test_admins_search_by_part_of_the_email_and_by_role_page_by_page(store: InMemoryAuthStore) -> None:
    for n in range(10, 15):
        _user(store, n, f"member{n}@nocturna.example")
    _user(store, 20, "boss@nocturna.example", "user", "admin")
    _user(store, 21, "other@example.com")
    search = SearchUsersHandler(store)

    first = await search(SearchUsers(limit=3, email_contains=" NOCTURNA.example "))
    second = await search(SearchUsers(limit=3, email_contains="nocturna.example", before=first.next_before))
    admins = await search(SearchUsers(limit=10, role="admin"))
    underscore = await search(SearchUsers(limit=10, email_contains="_"))

    assert [u.email for u in first.items] == [
        "boss@nocturna.example",
        "member14@nocturna.example",
        "member13@nocturna.example",
    ]
    assert [u.email for u in second.items] == [
        "member12@nocturna.example",
        "member11@nocturna.example",
        "member10@nocturna.example",
    ]
    assert second.next_before is None
    assert {u.email for u in admins.items} == {"boss@nocturna.example", "root@example.com"}
    assert underscore.items == []


async def test_changing_roles_announces_the_new_set_once(store: InMemoryAuthStore) -> None:
    user = _user(store, 2)
    change = ChangeRolesHandler(store, lambda: NOW, TTL)

    changed = await change(ChangeRoles(user.id, frozenset({"user", "admin"}), ADMIN))
    await change(ChangeRoles(user.id, frozenset({"user", "admin"}), ADMIN))

    assert changed.roles == {"user", "admin"}
    assert store.users[user.id].roles == {"user", "admin"}
    assert store.published == [UserRolesChanged(user_id=user.id, roles=["admin", "user"], changed_at=NOW)]


async def test_removing_a_role_ends_the_accounts_sessions(store: InMemoryAuthStore) -> None:
    user = _user(store, 2, None, "user", "admin")
    session = _session(store, user, 1)

    await ChangeRolesHandler(store, lambda: NOW, TTL)(ChangeRoles(user.id, frozenset({"user"}), ADMIN))

    assert store.sessions[session.id].revoke_reason is RevocationReason.REVOKED
    assert [type(event) for event in store.published] == [UserRolesChanged, SessionRevoked]


@pytest.mark.parametrize("roles", [{"user", "service"}, {"admin"}, {"user", "superuser"}])
async def test_only_user_and_admin_can_be_assigned_and_user_stays(
    store: InMemoryAuthStore, roles: set[str]
) -> None:
    user = _user(store, 2)
    with pytest.raises(InvalidRoles):
        await ChangeRolesHandler(store, lambda: NOW, TTL)(ChangeRoles(user.id, frozenset(roles), ADMIN))
    assert store.users[user.id].roles == {"user"}
    assert store.published == []


async def test_an_admin_cannot_drop_their_own_admin_role(store: InMemoryAuthStore) -> None:
    change = ChangeRolesHandler(store, lambda: NOW, TTL)
    with pytest.raises(SelfLockout):
        await change(ChangeRoles(ADMIN, frozenset({"user"}), ADMIN))
    assert store.users[ADMIN].roles == {"user", "admin"}
    other_admin = UUID(int=9)
    await change(ChangeRoles(ADMIN, frozenset({"user"}), other_admin))
    assert store.users[ADMIN].roles == {"user"}


async def test_unknown_users_are_not_found(store: InMemoryAuthStore) -> None:
    missing = UUID(int=404)
    with pytest.raises(UserNotFound):
        await ChangeRolesHandler(store, lambda: NOW, TTL)(ChangeRoles(missing, frozenset({"user"}), ADMIN))
    with pytest.raises(UserNotFound):
        await DisableUserHandler(store, lambda: NOW, TTL)(DisableUser(missing, ADMIN))
    with pytest.raises(UserNotFound):
        await EnableUserHandler(store)(EnableUser(missing))
    with pytest.raises(UserNotFound):
        await DeleteUserHandler(store, lambda: NOW, TTL)(DeleteUser(missing, ADMIN))


async def test_disabling_ends_every_session_once_and_keeps_the_api_keys(store: InMemoryAuthStore) -> None:
    user = _user(store, 2)
    active = [_session(store, user, 1), _session(store, user, 2)]
    _session(store, user, 3, revoked=True)
    key_id = await _key(store, user, 1)
    disable = DisableUserHandler(store, lambda: NOW, TTL)

    await disable(DisableUser(user.id, ADMIN))
    await disable(DisableUser(user.id, ADMIN))

    assert store.users[user.id].disabled_at == NOW
    assert store.published == [
        SessionRevoked(
            session_id=session.id,
            user_id=user.id,
            reason="user_disabled",
            revoked_at=NOW,
            access_tokens_expire_by=NOW + TTL,
        )
        for session in sorted(active, key=lambda s: s.created_at, reverse=True)
    ]
    assert store.api_keys[key_id].revoked_at is None


async def test_enabling_clears_the_disablement(store: InMemoryAuthStore) -> None:
    user = _user(store, 2)
    await DisableUserHandler(store, lambda: NOW, TTL)(DisableUser(user.id, ADMIN))
    enabled = await EnableUserHandler(store)(EnableUser(user.id))
    assert enabled.disabled_at is None
    assert store.users[user.id].disabled_at is None


async def test_an_admin_cannot_disable_or_delete_themselves(store: InMemoryAuthStore) -> None:
    with pytest.raises(SelfLockout):
        await DisableUserHandler(store, lambda: NOW, TTL)(DisableUser(ADMIN, ADMIN))
    with pytest.raises(SelfLockout):
        await DeleteUserHandler(store, lambda: NOW, TTL)(DeleteUser(ADMIN, ADMIN))
    assert store.users[ADMIN].disabled_at is None


async def test_deleting_an_account_ends_sessions_revokes_keys_erases_rows_and_announces_each_once(
    store: InMemoryAuthStore,
) -> None:
    user = _user(store, 2)
    session = _session(store, user, 1)
    _session(store, user, 2, revoked=True)
    keys = [await _key(store, user, 1), await _key(store, user, 2)]
    bystander = _user(store, 3)
    bystanders_session = _session(store, bystander, 3)
    store.published.clear()

    await DeleteUserHandler(store, lambda: NOW, TTL)(DeleteUser(user.id, ADMIN))

    assert user.id not in store.users
    assert all(s.user_id != user.id for s in store.sessions.values())
    assert all(k.user_id != user.id for k in store.api_keys.values())
    assert bystanders_session.id in store.sessions
    assert [type(event) for event in store.published] == [
        SessionRevoked,
        ApiKeyRevoked,
        ApiKeyRevoked,
        UserDeleted,
    ]
    assert store.published[0] == SessionRevoked(
        session_id=session.id,
        user_id=user.id,
        reason="user_deleted",
        revoked_at=NOW,
        access_tokens_expire_by=NOW + TTL,
    )
    revoked = [event for event in store.published if isinstance(event, ApiKeyRevoked)]
    assert {(event.api_key_id, event.user_id, event.revoked_at) for event in revoked} == {
        (key_id, user.id, NOW) for key_id in keys
    }
    assert store.published[-1] == UserDeleted(user_id=user.id, deleted_at=NOW)
    with pytest.raises(UserNotFound):
        await DeleteUserHandler(store, lambda: NOW, TTL)(DeleteUser(user.id, ADMIN))
    assert sum(isinstance(e, UserDeleted) for e in store.published) == 1


async def test_an_already_revoked_key_is_not_announced_again_on_deletion(store: InMemoryAuthStore) -> None:
    user = _user(store, 2)
    key_id = await _key(store, user, 1)
    store.api_keys[key_id].revoked_at = NOW - timedelta(days=1)

    await DeleteUserHandler(store, lambda: NOW, TTL)(DeleteUser(user.id, ADMIN))

    assert [type(e) for e in store.published] == [UserDeleted]


def _password_check(
    hasher: FakePasswordHasher, limiter: InMemoryLoginAttemptLimiter | None = None
) -> ThrottledPasswordCheck:
    policy = LockoutPolicy(3, 60, 600)
    return ThrottledPasswordCheck(hasher, limiter or InMemoryLoginAttemptLimiter(NOW, policy, policy))


async def test_wrong_passwords_on_deleting_ones_account_lock_it_like_failed_sign_ins(
    store: InMemoryAuthStore,
) -> None:
    user = _user(store, 2, "ada@example.com")
    policy = LockoutPolicy(3, 60, 600)
    limiter = InMemoryLoginAttemptLimiter(NOW, policy, LockoutPolicy(100, 60, 600))
    delete = DeleteAccountHandler(store, _password_check(FakePasswordHasher(), limiter), lambda: NOW, TTL)

    for _ in range(2):
        with pytest.raises(PasswordMismatch):
            await delete(DeleteAccount(user.id, "not my password", "192.0.2.1"))
    with pytest.raises(TooManyAttempts):
        await delete(DeleteAccount(user.id, "not my password", "192.0.2.1"))
    with pytest.raises(TooManyAttempts):
        await delete(DeleteAccount(user.id, PASSWORD, "192.0.2.1"))

    assert user.id in store.users
    assert await limiter.retry_after("ada@example.com", None) == 60
    limiter.now += timedelta(seconds=60)
    await delete(DeleteAccount(user.id, PASSWORD, "192.0.2.1"))
    assert user.id not in store.users


async def test_deleting_ones_own_account_needs_the_password(store: InMemoryAuthStore) -> None:
    user = _user(store, 2)
    hasher = FakePasswordHasher()
    delete = DeleteAccountHandler(store, _password_check(hasher), lambda: NOW, TTL)

    with pytest.raises(PasswordMismatch):
        await delete(DeleteAccount(user.id, "not my password"))
    assert user.id in store.users
    assert store.published == []

    await delete(DeleteAccount(user.id, PASSWORD))
    assert user.id not in store.users
    assert store.published == [UserDeleted(user_id=user.id, deleted_at=NOW)]


async def test_no_database_transaction_is_open_while_a_deletion_checks_the_password(
    store: InMemoryAuthStore,
) -> None:
    user = _user(store, 2)
    units = CountedUnits(store)
    open_during_checks: list[int] = []
    hasher = WatchedHasher(lambda: open_during_checks.append(units.open))

    await DeleteAccountHandler(units, _password_check(hasher), lambda: NOW, TTL)(
        DeleteAccount(user.id, PASSWORD)
    )

    assert open_during_checks == [0]
    assert user.id not in store.users


async def test_a_password_changed_while_a_deletion_checked_it_keeps_the_account(
    store: InMemoryAuthStore,
) -> None:
    user = _user(store, 2)

    def changed_meanwhile() -> None:
        store.users[user.id].password_hash = "v1$changed by another request"

    delete = DeleteAccountHandler(store, _password_check(WatchedHasher(changed_meanwhile)), lambda: NOW, TTL)
    with pytest.raises(PasswordMismatch):
        await delete(DeleteAccount(user.id, PASSWORD))

    assert user.id in store.users
    assert store.published == []


async def test_a_deleted_email_can_register_again_as_a_new_account(store: InMemoryAuthStore) -> None:
    user = _user(store, 2, "ada@example.com")
    await DeleteAccountHandler(store, _password_check(FakePasswordHasher()), lambda: NOW, TTL)(
        DeleteAccount(user.id, PASSWORD)
    )

    ids = itertools.count(50)
    again = await RegisterUserHandler(
        store, FakePasswordHasher(), POLICY, mailer(), lambda: NOW, lambda: UUID(int=next(ids))
    )(RegisterUser("ada@example.com", PASSWORD))
    assert again.id != user.id


def _create_admin(store: InMemoryAuthStore) -> CreateAdminHandler:
    ids = itertools.count(500)
    return CreateAdminHandler(store, FakePasswordHasher(), POLICY, lambda: NOW, lambda: UUID(int=next(ids)))


async def test_create_admin_creates_a_verified_admin_and_announces_the_registration(
    store: InMemoryAuthStore,
) -> None:
    create = _create_admin(store)
    with pytest.raises(PasswordRequired):
        await create(CreateAdmin("Boss@Example.com"))
    with pytest.raises(WeakPassword):
        await create(CreateAdmin("boss@example.com", "short"))

    created = await create(CreateAdmin("Boss@Example.com", PASSWORD))
    again = await create(CreateAdmin("boss@example.com"))

    assert created.outcome is AdminCreation.CREATED
    assert again.outcome is AdminCreation.UNCHANGED
    stored = store.users[created.user.id]
    assert (stored.email, stored.email_verified, stored.roles) == (
        "boss@example.com",
        True,
        {"user", "admin"},
    )
    assert store.published == [
        UserRegistered(
            user_id=stored.id,
            email="boss@example.com",
            display_name=None,
            email_verified=True,
            registered_at=NOW,
        ),
        UserEmailVerified(user_id=stored.id, email="boss@example.com", verified_at=NOW),
    ]


async def test_create_admin_promotes_an_existing_account_once(store: InMemoryAuthStore) -> None:
    user = _user(store, 2, "ada@example.com")
    create = _create_admin(store)

    promoted = await create(CreateAdmin("ada@example.com"))
    again = await create(CreateAdmin("ada@example.com", "ignored password"))

    assert (promoted.outcome, again.outcome) == (AdminCreation.PROMOTED, AdminCreation.UNCHANGED)
    assert store.users[user.id].roles == {"user", "admin"}
    assert store.users[user.id].password_hash == f"v1${PASSWORD}"
    assert store.published == [UserRolesChanged(user_id=user.id, roles=["admin", "user"], changed_at=NOW)]
