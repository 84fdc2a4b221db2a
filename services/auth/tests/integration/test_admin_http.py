from __future__ import annotations

import asyncio
from uuid import UUID

import pytest
from nocturna_auth.infrastructure.tables import ApiKeyRow, SessionRow, UserRow
from sqlalchemy import func, select
from sqlmodel import col

from services.auth.tests.conftest import PASSWORD, AuthHarness, unique_email
from services.auth.tests.integration.actors import (
    Actor,
    admin,
    events_about,
    sessions_of,
    sign_in,
    types_of,
    user,
)

USERS = "/api/v1/auth/admin/users"
ME = "/api/v1/auth/me"
ANY = "00000000-0000-7000-8000-000000000000"
ADMIN_ROUTES = [
    ("GET", USERS, None),
    ("GET", f"{USERS}/{ANY}", None),
    ("PUT", f"{USERS}/{ANY}/roles", {"roles": ["user", "admin"]}),
    ("POST", f"{USERS}/{ANY}/disable", None),
    ("POST", f"{USERS}/{ANY}/enable", None),
    ("DELETE", f"{USERS}/{ANY}", None),
]


async def _rows_of(auth: AuthHarness, user_id: UUID) -> dict[str, int]:
    async with sessions_of(auth)() as session:
        counts = {}
        for name, table, column in (
            ("users", UserRow, col(UserRow.id)),
            ("sessions", SessionRow, col(SessionRow.user_id)),
            ("api_keys", ApiKeyRow, col(ApiKeyRow.user_id)),
        ):
            counts[name] = await session.scalar(
                select(func.count()).select_from(table).where(column == user_id)
            )
    return {name: int(count or 0) for name, count in counts.items()}


async def _create_key(auth: AuthHarness, owner: Actor) -> None:
    response = await auth.client.post(
        "/api/v1/auth/api-keys", json={"name": "k", "scopes": ["charts:read"]}, headers=owner.headers
    )
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ROUTES)
async def test_a_user_cannot_call_admin_routes(
    auth: AuthHarness, method: str, path: str, body: object
) -> None:
    member = await user(auth)
    forbidden = await auth.client.request(method, path, json=body, headers=member.headers)
    anonymous = await auth.client.request(method, path, json=body)
    assert forbidden.status_code == 403
    assert forbidden.headers["content-type"] == "application/problem+json"
    assert forbidden.json()["code"] == "forbidden"
    assert anonymous.status_code == 401


async def test_admins_search_users_by_email_and_role_page_by_page(auth: AuthHarness) -> None:
    boss = await admin(auth)
    marker = unique_email().split("@")[0]
    made = [await auth.register(f"{marker}-{n}@example.com") for n in range(3)]

    first = (
        await auth.client.get(USERS, params={"q": marker.upper(), "limit": 2}, headers=boss.headers)
    ).json()
    second = (
        await auth.client.get(
            USERS, params={"q": marker, "limit": 2, "cursor": first["next_cursor"]}, headers=boss.headers
        )
    ).json()
    admins = (
        await auth.client.get(USERS, params={"role": "admin", "limit": 100}, headers=boss.headers)
    ).json()

    assert [u["id"] for u in first["items"] + second["items"]] == [str(u["id"]) for u in made[::-1]]
    assert second["next_cursor"] is None
    assert all("admin" in u["roles"] for u in admins["items"])
    assert str(boss.id) in {u["id"] for u in admins["items"]}
    assert {"disabled_at", "email_verified", "roles"} <= set(first["items"][0])
    assert "password_hash" not in first["items"][0]


async def test_an_admin_reads_one_user_and_unknown_ids_are_404(auth: AuthHarness) -> None:
    boss, member = await admin(auth), await user(auth)
    found = await auth.client.get(f"{USERS}/{member.id}", headers=boss.headers)
    missing = await auth.client.get(f"{USERS}/{ANY}", headers=boss.headers)
    assert (found.status_code, found.json()["email"]) == (200, member.email)
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")


async def test_promoting_a_user_announces_it_and_grants_admin_routes(auth: AuthHarness) -> None:
    boss, member = await admin(auth), await user(auth)

    response = await auth.client.put(
        f"{USERS}/{member.id}/roles", json={"roles": ["user", "admin"]}, headers=boss.headers
    )

    assert response.status_code == 200, response.text
    assert response.json()["roles"] == ["admin", "user"]
    events = await events_about(auth, member.id)
    assert [p["roles"] for t, p in events if t == "auth.user.roles_changed.v1"] == [["admin", "user"]]
    fresh = await sign_in(auth, member.email)
    assert (await auth.client.get(USERS, headers={"Authorization": f"Bearer {fresh}"})).status_code == 200


async def test_demoting_ends_the_sessions_that_carried_the_role(auth: AuthHarness) -> None:
    boss, other = await admin(auth), await admin(auth)

    response = await auth.client.put(
        f"{USERS}/{other.id}/roles", json={"roles": ["user"]}, headers=boss.headers
    )

    assert response.status_code == 200
    revoked = [p["reason"] for t, p in await events_about(auth, other.id) if t == "auth.session.revoked.v1"]
    assert revoked == ["revoked"]


@pytest.mark.parametrize("roles", [["user", "service"], ["admin"], ["root"], []])
async def test_roles_outside_user_and_admin_are_422(auth: AuthHarness, roles: list[str]) -> None:
    boss, member = await admin(auth), await user(auth)
    response = await auth.client.put(
        f"{USERS}/{member.id}/roles", json={"roles": roles}, headers=boss.headers
    )
    assert response.status_code == 422
    assert (await auth.client.get(f"{USERS}/{member.id}", headers=boss.headers)).json()["roles"] == ["user"]


async def test_an_admin_cannot_lock_themselves_out(auth: AuthHarness) -> None:
    boss = await admin(auth)
    demote = await auth.client.put(f"{USERS}/{boss.id}/roles", json={"roles": ["user"]}, headers=boss.headers)
    disable = await auth.client.post(f"{USERS}/{boss.id}/disable", headers=boss.headers)
    delete = await auth.client.delete(f"{USERS}/{boss.id}", headers=boss.headers)
    assert [r.status_code for r in (demote, disable, delete)] == [409, 409, 409]
    assert {r.json()["code"] for r in (demote, disable, delete)} == {"self_lockout"}
    assert (await auth.client.get(USERS, headers=boss.headers)).status_code == 200


async def test_disabling_ends_sessions_blocks_sign_in_and_enabling_restores_it(auth: AuthHarness) -> None:
    boss, member = await admin(auth), await user(auth)
    await sign_in(auth, member.email)  # a second session
    await _create_key(auth, member)

    disabled = await auth.client.post(f"{USERS}/{member.id}/disable", headers=boss.headers)

    assert disabled.status_code == 200
    assert disabled.json()["disabled_at"] is not None
    assert (await auth.password_grant(member.email)).json()["error"] == "invalid_grant"
    events = await events_about(auth, member.id)
    assert [p["reason"] for t, p in events if t == "auth.session.revoked.v1"] == ["user_disabled"] * 2
    assert "auth.api_key.revoked.v1" not in types_of(events)
    enabled = await auth.client.post(f"{USERS}/{member.id}/enable", headers=boss.headers)
    assert enabled.json()["disabled_at"] is None
    assert (await auth.password_grant(member.email)).status_code == 200


async def test_an_admin_deletion_erases_the_account_and_announces_everything_once(auth: AuthHarness) -> None:
    boss, member = await admin(auth), await user(auth)
    await _create_key(auth, member)
    await _create_key(auth, member)

    first = await auth.client.delete(f"{USERS}/{member.id}", headers=boss.headers)
    second = await auth.client.delete(f"{USERS}/{member.id}", headers=boss.headers)

    assert (first.status_code, second.status_code) == (204, 404)
    assert await _rows_of(auth, member.id) == {"users": 0, "sessions": 0, "api_keys": 0}
    assert types_of(await events_about(auth, member.id)) == [
        "auth.user.registered.v1",
        "auth.session.revoked.v1",
        "auth.api_key.revoked.v1",
        "auth.api_key.revoked.v1",
        "auth.user.deleted.v1",
    ]
    assert (await auth.client.get(f"{USERS}/{member.id}", headers=boss.headers)).status_code == 404


async def test_deleting_ones_own_account_needs_the_password_and_frees_the_email(auth: AuthHarness) -> None:
    member = await user(auth)
    await _create_key(auth, member)

    wrong = await auth.client.request(
        "DELETE", ME, json={"password": "not the password"}, headers=member.headers
    )
    assert (wrong.status_code, wrong.json()["code"]) == (403, "invalid_password")
    assert (await _rows_of(auth, member.id))["users"] == 1
    missing = await auth.client.request("DELETE", ME, headers=member.headers)
    assert missing.status_code == 422

    deleted = await auth.client.request("DELETE", ME, json={"password": PASSWORD}, headers=member.headers)

    assert deleted.status_code == 204
    assert await _rows_of(auth, member.id) == {"users": 0, "sessions": 0, "api_keys": 0}
    events = await events_about(auth, member.id)
    assert types_of(events).count("auth.user.deleted.v1") == 1
    assert [p["reason"] for t, p in events if t == "auth.session.revoked.v1"] == ["user_deleted"]
    assert "auth.api_key.revoked.v1" in types_of(events)
    assert (await auth.client.get(ME, headers=member.headers)).status_code == 404
    again = await auth.register(member.email)
    assert UUID(str(again["id"])) != member.id


async def test_concurrent_deletions_announce_the_deletion_once(auth: AuthHarness) -> None:
    boss, other_boss, member = await admin(auth), await admin(auth), await user(auth)

    responses = await asyncio.gather(
        auth.client.delete(f"{USERS}/{member.id}", headers=boss.headers),
        auth.client.delete(f"{USERS}/{member.id}", headers=other_boss.headers),
        auth.client.request("DELETE", ME, json={"password": PASSWORD}, headers=member.headers),
    )

    assert sorted(r.status_code for r in responses) == [204, 404, 404]
    events = types_of(await events_about(auth, member.id))
    assert events.count("auth.user.deleted.v1") == 1
    assert events.count("auth.session.revoked.v1") == 1
