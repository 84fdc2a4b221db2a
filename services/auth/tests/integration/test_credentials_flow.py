"""Email verification, password change, forgotten password and reset over HTTP, mail read from the mailbox."""

from __future__ import annotations

import asyncio
import statistics
import time
from uuid import UUID

from nocturna_auth.infrastructure.tables import MESSAGING, OneTimeTokenRow, UserRow
from nocturna_auth.infrastructure.unit_of_work import SqlAuthUnitOfWork
from nocturna_platform.security.verifier import TokenVerifier
from sqlalchemy import func, select, update

from services.auth.tests.conftest import PASSWORD, AuthHarness, unique_email
from services.auth.tests.integration.actors import events_about, types_of

NEW_PASSWORD = "a brand new passphrase"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _me(auth: AuthHarness, token: str) -> dict[str, object]:
    response = await auth.client.get("/api/v1/auth/me", headers=_bearer(token))
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


async def _session_revocation(auth: AuthHarness, token: str) -> str | None:
    """The revocation reason of the token's session, None while it is active."""
    shell = auth.service.shell
    issuing = shell.settings.issuing
    claims_only = TokenVerifier(  # the app's verifier refuses a revoked session's token: read the claims
        shell.settings.tokens.model_copy(update={"issuer": issuing.issuer, "audience": issuing.audience}),
        auth.service.signing_keys,
        shell.clock,
    )
    principal = await claims_only.verify(token)
    assert shell.session_factory is not None
    async with SqlAuthUnitOfWork(shell.session_factory, MESSAGING, shell.clock) as uow:
        session = await uow.sessions.get(principal.session_id)
    assert session is not None
    return session.revoke_reason.value if session.revoke_reason else None


async def _count_users(auth: AuthHarness, email: str) -> int:
    shell = auth.service.shell
    assert shell.session_factory is not None
    async with shell.session_factory() as session:
        return int((await session.execute(select(func.count()).where(UserRow.email == email))).scalar_one())


async def _user_id(auth: AuthHarness, email: str) -> UUID:
    shell = auth.service.shell
    assert shell.session_factory is not None
    async with shell.session_factory() as session:
        user_id: UUID = (await session.execute(select(UserRow.id).where(UserRow.email == email))).scalar_one()
    return user_id


async def test_the_verification_link_verifies_the_address_once(auth: AuthHarness) -> None:
    email = unique_email()
    await auth.register(email)
    token = await auth.access_token(email)  # unverified accounts can sign in
    assert (await _me(auth, token))["email_verified"] is False
    secret = await auth.mailbox.token(email, "verify_email")

    first = await auth.client.post("/api/v1/auth/verify-email", json={"token": secret})
    again = await auth.client.post("/api/v1/auth/verify-email", json={"token": secret})

    assert first.status_code == 204
    assert (await _me(auth, token))["email_verified"] is True
    assert again.status_code == 400
    assert again.headers["content-type"] == "application/problem+json"
    assert again.json()["code"] == "invalid_token"
    user_id = await _user_id(auth, email)
    verified = [p for t, p in await events_about(auth, user_id) if t == "auth.user.email_verified.v1"]
    assert [(p["user_id"], p["email"]) for p in verified] == [(str(user_id), email)]


async def test_a_resent_link_replaces_the_first_and_a_verified_address_gets_none(auth: AuthHarness) -> None:
    email = unique_email()
    await auth.register(email)
    token = await auth.access_token(email)
    first = await auth.mailbox.token(email, "verify_email")

    resent = await auth.client.post("/api/v1/auth/verify-email/resend", headers=_bearer(token))
    second = await auth.mailbox.token(email, "verify_email", number=2)

    assert resent.status_code == 202
    old = await auth.client.post("/api/v1/auth/verify-email", json={"token": first})
    assert old.status_code == 400
    assert (await auth.client.post("/api/v1/auth/verify-email", json={"token": second})).status_code == 204
    late = await auth.client.post("/api/v1/auth/verify-email/resend", headers=_bearer(token))
    assert late.status_code == 409
    assert late.json()["code"] == "email_already_verified"


async def test_resending_needs_a_signed_in_user(auth: AuthHarness) -> None:
    response = await auth.client.post("/api/v1/auth/verify-email/resend")
    assert response.status_code == 401


async def test_a_common_password_is_refused_with_a_field_error(auth: AuthHarness) -> None:
    response = await auth.client.post(
        "/api/v1/auth/register", json={"email": unique_email(), "password": "Password123"}
    )

    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "weak_password"
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [("password", "common_password")]


async def test_registering_a_taken_email_answers_like_a_new_one_and_notifies_the_owner(
    auth: AuthHarness,
) -> None:
    email = unique_email()
    fresh = await auth.client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
    taken = await auth.client.post(
        "/api/v1/auth/register", json={"email": email.upper(), "password": "someone else's passphrase"}
    )

    assert (fresh.status_code, taken.status_code) == (201, 201)
    first, second = fresh.json(), taken.json()
    assert first.keys() == second.keys()
    assert first["id"] != second["id"]
    assert {k: v for k, v in first.items() if k not in ("id", "created_at")} == {
        k: v for k, v in second.items() if k not in ("id", "created_at")
    }
    assert await _count_users(auth, email) == 1
    await auth.mailbox.wait_for(email, "registration_attempt")
    assert len(auth.mailbox.messages(email, "verify_email")) == 1
    assert (await auth.password_grant(email, "someone else's passphrase")).status_code == 400
    assert (await auth.password_grant(email)).status_code == 200


async def test_concurrent_registrations_of_one_new_email_all_get_the_usual_answer(auth: AuthHarness) -> None:
    email = unique_email()

    responses = await asyncio.gather(
        *(
            auth.client.post("/api/v1/auth/register", json={"email": email, "password": f"{PASSWORD} {n}"})
            for n in range(8)
        )
    )

    assert [r.status_code for r in responses] == [201] * 8, [r.text for r in responses]
    bodies = [r.json() for r in responses]
    assert len({body["id"] for body in bodies}) == 8
    assert {body["email"] for body in bodies} == {email}
    assert await _count_users(auth, email) == 1
    [user_id] = {body["id"] for body in bodies} & {str(await _user_id(auth, email))}
    assert types_of(await events_about(auth, UUID(user_id))) == ["auth.user.registered.v1"]
    assert len(await auth.mailbox.wait_for(email, "verify_email")) == 1


async def test_registering_a_taken_email_takes_about_as_long_as_a_new_one(auth: AuthHarness) -> None:
    taken = unique_email()
    await auth.register(taken)

    async def timed(email: str) -> float:
        started = time.perf_counter()
        response = await auth.client.post(
            "/api/v1/auth/register", json={"email": email, "password": PASSWORD}
        )
        assert response.status_code == 201
        return time.perf_counter() - started

    fresh, repeated = [], []
    for _ in range(11):  # interleaved, so a busy machine slows both alike
        fresh.append(await timed(unique_email()))
        repeated.append(await timed(taken))

    fresh_median, repeated_median = statistics.median(fresh), statistics.median(repeated)
    assert abs(fresh_median - repeated_median) < max(0.05, min(fresh_median, repeated_median)), (
        fresh,
        repeated,
    )


async def test_changing_the_password_keeps_this_session_and_ends_the_others(auth: AuthHarness) -> None:
    email = unique_email()
    await auth.register(email)
    mine, other = await auth.access_token(email), await auth.access_token(email)

    response = await auth.client.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=_bearer(mine),
    )

    assert response.status_code == 204
    assert await _session_revocation(auth, mine) is None
    assert await _session_revocation(auth, other) == "password_changed"
    assert (await auth.password_grant(email)).status_code == 400
    assert (await auth.password_grant(email, NEW_PASSWORD)).status_code == 200
    await auth.mailbox.wait_for(email, "password_changed")


async def test_changing_the_password_checks_the_current_one_and_the_policy(auth: AuthHarness) -> None:
    email = unique_email()
    await auth.register(email)
    token = await auth.access_token(email)

    wrong = await auth.client.post(
        "/api/v1/auth/password",
        json={"current_password": "not my password", "new_password": NEW_PASSWORD},
        headers=_bearer(token),
    )
    weak = await auth.client.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": email},
        headers=_bearer(token),
    )

    assert (wrong.status_code, wrong.json()["code"]) == (400, "invalid_current_password")
    assert (weak.status_code, weak.json()["code"]) == (422, "weak_password")
    assert weak.json()["errors"][0]["field"] == "new_password"
    assert (await auth.password_grant(email)).status_code == 200


async def test_forgotten_password_answers_the_same_whether_or_not_the_account_exists(
    auth: AuthHarness,
) -> None:
    email = unique_email()
    await auth.register(email)
    stranger = unique_email()

    known = await auth.client.post("/api/v1/auth/password/forgot", json={"email": email})
    unknown = await auth.client.post("/api/v1/auth/password/forgot", json={"email": stranger})

    assert (known.status_code, unknown.status_code) == (202, 202)
    assert known.json() == unknown.json()
    assert known.headers.keys() - {"x-request-id"} == unknown.headers.keys() - {"x-request-id"}
    await auth.mailbox.wait_for(email, "password_reset")
    assert auth.mailbox.messages(stranger) == []


async def test_forgotten_password_takes_about_as_long_either_way(auth: AuthHarness) -> None:
    email = unique_email()
    await auth.register(email)

    async def timed(address: str) -> float:
        started = time.perf_counter()
        response = await auth.client.post("/api/v1/auth/password/forgot", json={"email": address})
        assert response.status_code == 202
        return time.perf_counter() - started

    known, unknown = [], []
    for _ in range(11):  # interleaved, so a busy machine slows both alike
        known.append(await timed(email))
        unknown.append(await timed(unique_email()))

    known_median, unknown_median = statistics.median(known), statistics.median(unknown)
    assert min(known_median, unknown_median) >= 0.1  # both padded to `reset_request_min_seconds`
    assert abs(known_median - unknown_median) < 0.02, (known, unknown)


async def test_password_reset_tokens_are_single_use_and_old_sessions_end_after_a_reset(
    auth: AuthHarness,
) -> None:
    email = unique_email()
    await auth.register(email)
    before = [await auth.access_token(email), await auth.access_token(email)]
    await auth.client.post("/api/v1/auth/password/forgot", json={"email": email})
    secret = await auth.mailbox.token(email, "password_reset")

    reset = await auth.client.post(
        "/api/v1/auth/password/reset", json={"token": secret, "new_password": NEW_PASSWORD}
    )
    replay = await auth.client.post(
        "/api/v1/auth/password/reset", json={"token": secret, "new_password": "an attacker's passphrase"}
    )

    assert reset.status_code == 204
    assert (replay.status_code, replay.json()["code"]) == (400, "invalid_token")
    assert [await _session_revocation(auth, token) for token in before] == ["password_changed"] * 2
    assert (await auth.password_grant(email)).status_code == 400
    assert (await auth.password_grant(email, "an attacker's passphrase")).status_code == 400
    after = await auth.access_token(email, NEW_PASSWORD)
    assert (await _me(auth, after))["email_verified"] is True  # the mail proved the address


async def test_an_expired_reset_token_is_refused(auth: AuthHarness) -> None:
    email = unique_email()
    await auth.register(email)
    await auth.client.post("/api/v1/auth/password/forgot", json={"email": email})
    secret = await auth.mailbox.token(email, "password_reset")
    shell = auth.service.shell
    assert shell.session_factory is not None
    async with shell.session_factory() as session, session.begin():
        user_id = (await session.execute(select(UserRow.id).where(UserRow.email == email))).scalar_one()
        await session.execute(
            update(OneTimeTokenRow)
            .where(OneTimeTokenRow.user_id == user_id)  # type: ignore[arg-type]
            .values(expires_at=func.now())
        )

    response = await auth.client.post(
        "/api/v1/auth/password/reset", json={"token": secret, "new_password": NEW_PASSWORD}
    )

    assert (response.status_code, response.json()["code"]) == (400, "invalid_token")
    assert (await auth.password_grant(email)).status_code == 200


async def test_a_second_reset_request_invalidates_the_first_link(auth: AuthHarness) -> None:
    email = unique_email()
    await auth.register(email)
    await auth.client.post("/api/v1/auth/password/forgot", json={"email": email})
    first = await auth.mailbox.token(email, "password_reset")
    await auth.client.post("/api/v1/auth/password/forgot", json={"email": email})
    second = await auth.mailbox.token(email, "password_reset", number=2)

    stale = await auth.client.post(
        "/api/v1/auth/password/reset", json={"token": first, "new_password": NEW_PASSWORD}
    )
    fresh = await auth.client.post(
        "/api/v1/auth/password/reset", json={"token": second, "new_password": NEW_PASSWORD}
    )

    assert (stale.status_code, fresh.status_code) == (400, 204)


async def test_stored_tokens_are_digests_not_the_mailed_secrets(auth: AuthHarness) -> None:
    email = unique_email()
    registered = await auth.register(email)
    secret = await auth.mailbox.token(email, "verify_email")
    shell = auth.service.shell
    assert shell.session_factory is not None
    async with shell.session_factory() as session:
        digests = (
            await session.execute(
                select(OneTimeTokenRow.digest).where(
                    OneTimeTokenRow.user_id == UUID(str(registered["id"]))  # type: ignore[arg-type]
                )
            )
        ).scalars()
        assert secret not in list(digests)
