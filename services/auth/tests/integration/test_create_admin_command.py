from __future__ import annotations

import asyncio
import os
import sys
from uuid import UUID

from nocturna_auth.application.create_admin import AdminCreation
from nocturna_auth.commands.create_admin import create_admin

from services.auth.tests.conftest import PASSWORD, AuthHarness, unique_email
from services.auth.tests.integration.actors import events_about, sign_in, types_of

USERS = "/api/v1/auth/admin/users"


def _no_prompt() -> str:
    raise AssertionError("an existing account must not be asked for a password")


async def test_create_admin_creates_a_verified_admin_who_can_sign_in(auth: AuthHarness) -> None:
    email = unique_email()

    created = await create_admin(auth.service.use_cases, email.upper(), lambda: PASSWORD)
    again = await create_admin(auth.service.use_cases, email, _no_prompt)

    assert (created.outcome, again.outcome) == (AdminCreation.CREATED, AdminCreation.UNCHANGED)
    token = await sign_in(auth, email)
    me = (await auth.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})).json()
    assert (me["email_verified"], me["roles"]) == (True, ["admin", "user"])
    assert (await auth.client.get(USERS, headers={"Authorization": f"Bearer {token}"})).status_code == 200
    assert types_of(await events_about(auth, created.user.id)) == [
        "auth.user.registered.v1",
        "auth.user.email_verified.v1",
    ]


async def test_create_admin_promotes_an_existing_account(auth: AuthHarness) -> None:
    registered = await auth.register()

    promoted = await create_admin(auth.service.use_cases, str(registered["email"]), _no_prompt)

    assert promoted.outcome is AdminCreation.PROMOTED
    assert promoted.user.id == UUID(str(registered["id"]))
    assert types_of(await events_about(auth, promoted.user.id)) == [
        "auth.user.registered.v1",
        "auth.user.roles_changed.v1",
    ]


async def _command(env: dict[str, str], *args: str, stdin: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "nocturna_auth",
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **env},
    )
    out, err = await process.communicate(stdin.encode())
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_the_operator_command_reads_the_password_from_stdin(
    auth: AuthHarness, test_env: dict[str, str]
) -> None:
    email = unique_email()

    (code, out, _), (weak_code, _, weak_err) = await asyncio.gather(
        _command(test_env, "create-admin", email, "--password-stdin", stdin=PASSWORD + "\n"),
        _command(test_env, "create-admin", unique_email(), "--password-stdin", stdin="short\n"),
    )

    assert code == 0
    assert out.startswith(f"created: {email}")
    assert PASSWORD not in out
    assert await sign_in(auth, email)
    assert weak_code != 0
    assert "at least 10 characters" in weak_err
