"""`create-admin EMAIL`: create the first admin, or promote an existing account (operators only)."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable

from nocturna_auth.application.create_admin import CreateAdmin, CreatedAdmin, PasswordRequired
from nocturna_auth.application.use_cases import AuthUseCases
from nocturna_auth.domain.users import InvalidEmail, WeakPassword


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Create an admin account (email verified) or give an existing account the admin role. Idempotent."
    )
    parser.add_argument("email")
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the new account's password from the first line of standard input instead of prompting",
    )


async def create_admin(use_cases: AuthUseCases, email: str, password: Callable[[], str]) -> CreatedAdmin:
    """Asks for a password (by calling `password`) only when the account does not exist yet."""
    try:
        return await use_cases.create_admin(CreateAdmin(email))
    except PasswordRequired:
        return await use_cases.create_admin(CreateAdmin(email, password()))


async def run(use_cases: AuthUseCases, args: argparse.Namespace) -> None:
    source = _stdin_password if args.password_stdin else _prompted_password
    try:
        created = await create_admin(use_cases, args.email, source)
    except (InvalidEmail, WeakPassword) as error:
        raise SystemExit(f"create-admin: {error}") from error
    print(f"{created.outcome.value}: {created.user.email} ({created.user.id}) has the admin role")  # noqa: T201


def _stdin_password() -> str:
    return sys.stdin.readline().rstrip("\r\n")


def _prompted_password() -> str:
    first = getpass.getpass("Password for the new admin: ")
    if getpass.getpass("Repeat it: ") != first:
        raise SystemExit("create-admin: the passwords differ")
    return first
