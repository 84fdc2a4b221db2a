from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from nocturna_auth.infrastructure.tables import ApiKeyRow
from nocturna_platform.security.verifier import TokenVerifier
from sqlalchemy import update
from sqlmodel import col

from services.auth.tests.conftest import AuthHarness
from services.auth.tests.integration.actors import (
    Actor,
    admin,
    events_about,
    gateway,
    sessions_of,
    types_of,
    user,
)

KEYS = "/api/v1/auth/api-keys"
INTROSPECT = f"{KEYS}/introspect"
LISTED_FIELDS = {"id", "name", "prefix", "scopes", "created_at", "expires_at", "last_used_at", "revoked_at"}


async def _create(auth: AuthHarness, owner: Actor, **body: Any) -> dict[str, Any]:
    response = await auth.client.post(
        KEYS, json={"name": "partner", "scopes": ["charts:read"], **body}, headers=owner.headers
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def _introspect(auth: AuthHarness, caller: Actor, key: str) -> dict[str, Any]:
    response = await auth.client.post(INTROSPECT, json={"key": key}, headers=caller.headers)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    answer: dict[str, Any] = response.json()
    return answer


async def test_a_key_is_shown_once_then_listed_without_its_secret(auth: AuthHarness) -> None:
    owner = await user(auth)
    expires_at = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)

    response = await auth.client.post(
        KEYS,
        json={
            "name": "Partner CRM",
            "scopes": ["charts:write", "charts:read"],
            "expires_at": expires_at.isoformat(),
        },
        headers=owner.headers,
    )

    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    created = response.json()
    assert response.headers["location"] == f"{KEYS}/{created['id']}"
    assert created["key"].startswith(created["prefix"] + "_")
    assert created["prefix"].startswith("nct_live_")
    assert (created["name"], created["scopes"]) == ("Partner CRM", ["charts:read", "charts:write"])
    assert datetime.fromisoformat(created["expires_at"]) == expires_at
    listed = (await auth.client.get(KEYS, headers=owner.headers)).json()
    assert [set(item) for item in listed["items"]] == [LISTED_FIELDS]
    assert listed["items"][0]["id"] == created["id"]
    assert listed["next_cursor"] is None
    one = await auth.client.get(f"{KEYS}/{created['id']}", headers=owner.headers)
    assert set(one.json()) == LISTED_FIELDS
    secret = created["key"].rsplit("_", 1)[1]
    assert secret not in one.text
    assert secret not in (await auth.client.get(KEYS, headers=owner.headers)).text


async def test_the_list_is_paged_with_a_cursor(auth: AuthHarness) -> None:
    owner = await user(auth)
    made = [(await _create(auth, owner, name=f"key {n}"))["id"] for n in range(5)]

    seen: list[str] = []
    cursor: str | None = None
    for _ in range(3):
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await auth.client.get(KEYS, params=params, headers=owner.headers)).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
    assert seen == made[::-1]
    assert cursor is None
    bad = await auth.client.get(KEYS, params={"cursor": "nonsense"}, headers=owner.headers)
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_cursor")


async def test_an_unverified_email_cannot_create_keys(auth: AuthHarness) -> None:
    owner = await user(auth, verified=False)
    response = await auth.client.post(
        KEYS, json={"name": "x", "scopes": ["charts:read"]}, headers=owner.headers
    )
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "email_not_verified"


async def test_unknown_scopes_and_past_expiry_are_422(auth: AuthHarness) -> None:
    owner = await user(auth)
    unknown = await auth.client.post(
        KEYS, json={"name": "x", "scopes": ["charts:read", "sessions:write"]}, headers=owner.headers
    )
    past = await auth.client.post(
        KEYS,
        json={"name": "x", "scopes": ["charts:read"], "expires_at": "2020-01-01T00:00:00Z"},
        headers=owner.headers,
    )
    assert (unknown.status_code, unknown.json()["code"]) == (422, "invalid_scope")
    assert unknown.json()["errors"][0]["field"] == "scopes"
    assert past.status_code == 422
    assert past.json()["errors"][0]["field"] == "expires_at"


async def test_keys_need_a_signed_in_caller(auth: AuthHarness) -> None:
    assert (await auth.client.get(KEYS)).status_code == 401
    assert (await auth.client.post(KEYS, json={"name": "x", "scopes": ["charts:read"]})).status_code == 401


async def test_a_user_cannot_read_or_revoke_another_users_key(auth: AuthHarness) -> None:
    owner, intruder, door = await user(auth), await user(auth), await gateway(auth)
    created = await _create(auth, owner)

    read = await auth.client.get(f"{KEYS}/{created['id']}", headers=intruder.headers)
    revoke = await auth.client.delete(f"{KEYS}/{created['id']}", headers=intruder.headers)
    listed = await auth.client.get(KEYS, headers=intruder.headers)

    assert (read.status_code, read.json()["code"]) == (404, "not_found")
    assert (revoke.status_code, revoke.json()["code"]) == (404, "not_found")
    assert listed.json()["items"] == []
    assert (await _introspect(auth, door, created["key"]))["active"] is True
    assert "auth.api_key.revoked.v1" not in types_of(await events_about(auth, owner.id))


async def test_revocation_is_announced_once_and_the_key_stops_resolving(auth: AuthHarness) -> None:
    owner, door = await user(auth), await gateway(auth)
    created = await _create(auth, owner)

    first = await auth.client.delete(f"{KEYS}/{created['id']}", headers=owner.headers)
    second = await auth.client.delete(f"{KEYS}/{created['id']}", headers=owner.headers)

    assert (first.status_code, second.status_code) == (204, 204)
    assert await _introspect(auth, door, created["key"]) == {"active": False}
    shown = (await auth.client.get(f"{KEYS}/{created['id']}", headers=owner.headers)).json()
    assert shown["revoked_at"] is not None
    events = await events_about(auth, owner.id)
    revocations = [payload for event_type, payload in events if event_type == "auth.api_key.revoked.v1"]
    assert revocations == [
        {
            "api_key_id": created["id"],
            "user_id": str(owner.id),
            "prefix": created["prefix"],
            "revoked_at": shown["revoked_at"].replace("+00:00", "Z"),
        }
    ]


async def test_introspection_answers_the_gateway_and_admins_only(auth: AuthHarness) -> None:
    owner = await user(auth)
    created = await _create(auth, owner, scopes=["charts:read", "profiles:read"])

    as_user = await auth.client.post(INTROSPECT, json={"key": created["key"]}, headers=owner.headers)
    anonymous = await auth.client.post(INTROSPECT, json={"key": created["key"]})
    by_gateway = await _introspect(auth, await gateway(auth), created["key"])
    by_admin = await _introspect(auth, await admin(auth), created["key"])

    assert (as_user.status_code, as_user.json()["code"]) == (403, "forbidden")
    assert anonymous.status_code == 401
    assert (
        by_gateway
        == by_admin
        == {
            "active": True,
            "sub": str(owner.id),
            "api_key_id": created["id"],
            "scopes": ["charts:read", "profiles:read"],
            "roles": ["user"],
        }
    )


async def test_introspection_reports_expiry_and_records_the_use(auth: AuthHarness) -> None:
    owner, door = await user(auth), await gateway(auth)
    expires_at = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    created = await _create(auth, owner, expires_at=expires_at.isoformat())

    answer = await _introspect(auth, door, created["key"])

    assert answer["exp"] == int(expires_at.timestamp())
    shown = (await auth.client.get(f"{KEYS}/{created['id']}", headers=owner.headers)).json()
    assert shown["last_used_at"] is not None


async def test_expired_forged_and_unknown_keys_get_the_same_inactive_answer(auth: AuthHarness) -> None:
    owner, door = await user(auth), await gateway(auth)
    expired = await _create(
        auth, owner, name="expired", expires_at=(datetime.now(UTC) + timedelta(days=1)).isoformat()
    )
    async with sessions_of(auth)() as session:
        await session.execute(
            update(ApiKeyRow)
            .where(col(ApiKeyRow.id) == UUID(expired["id"]))
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        await session.commit()
    real = await _create(auth, owner, name="real")
    forged = real["key"][:-4] + ("AAAA" if not real["key"].endswith("AAAA") else "BBBB")

    for key in (expired["key"], forged, "nct_live_zzzzzzzz_" + "a" * 43, "not a key"):
        assert await _introspect(auth, door, key) == {"active": False}


async def test_a_disabled_owners_keys_are_inactive_until_enabled(auth: AuthHarness) -> None:
    owner, boss, door = await user(auth), await admin(auth), await gateway(auth)
    created = await _create(auth, owner)

    await auth.client.post(f"/api/v1/auth/admin/users/{owner.id}/disable", headers=boss.headers)
    assert await _introspect(auth, door, created["key"]) == {"active": False}
    await auth.client.post(f"/api/v1/auth/admin/users/{owner.id}/enable", headers=boss.headers)
    assert (await _introspect(auth, door, created["key"]))["active"] is True


async def test_an_admin_may_revoke_a_users_key(auth: AuthHarness) -> None:
    owner, boss, door = await user(auth), await admin(auth), await gateway(auth)
    created = await _create(auth, owner)

    response = await auth.client.delete(f"{KEYS}/{created['id']}", headers=boss.headers)

    assert response.status_code == 204
    assert await _introspect(auth, door, created["key"]) == {"active": False}


async def test_the_gateway_may_exchange_an_active_key_for_a_token_other_services_accept(
    auth: AuthHarness,
) -> None:
    owner, door = await user(auth), await gateway(auth)
    created = await _create(auth, owner, scopes=["charts:read"])

    response = await auth.client.post(
        INTROSPECT, json={"key": created["key"], "issue_token": True}, headers=door.headers
    )

    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["active"], answer["sub"], answer["expires_in"]) == (True, str(owner.id), 900)
    shell = auth.service.shell
    issuing = shell.settings.issuing
    other_service = TokenVerifier(  # what chart or subscription verify with
        shell.settings.tokens.model_copy(update={"issuer": issuing.issuer, "audience": issuing.audience}),
        auth.service.signing_keys,
        shell.clock,
    )
    principal = await other_service.verify(answer["access_token"])
    assert (principal.subject, principal.session_id, principal.roles, principal.scopes) == (
        owner.id,
        None,
        {"user"},
        {"charts:read"},
    )
    own_routes = await auth.client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {answer['access_token']}"}
    )
    assert own_routes.status_code == 401  # a key never manages the account


async def test_an_inactive_key_is_exchanged_for_nothing(auth: AuthHarness) -> None:
    door = await gateway(auth)

    response = await auth.client.post(
        INTROSPECT, json={"key": "nct_live_zzzzzzzz_" + "a" * 43, "issue_token": True}, headers=door.headers
    )

    assert response.json() == {"active": False}
