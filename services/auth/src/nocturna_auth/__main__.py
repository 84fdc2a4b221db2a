from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from uuid import UUID

from nocturna_platform.cli import run_cli
from nocturna_platform.shell import ServiceShell

from nocturna_auth.application.create_service_client import CreateServiceClient
from nocturna_auth.bootstrap import AuthService
from nocturna_auth.commands import create_admin


class AuthCommands:
    """Operator commands beyond the shared ones; they run on the service `run_cli` builds."""

    def __init__(self) -> None:
        self._service: AuthService | None = None

    def build(self) -> AuthService:
        self._service = AuthService()
        return self._service

    @property
    def service(self) -> AuthService:
        assert self._service is not None, "run_cli builds the service before running a command"
        return self._service

    @staticmethod
    def configure_create_service_client(parser: argparse.ArgumentParser) -> None:
        parser.description = "Register a client of the client-credentials grant; its secret is printed once."
        parser.add_argument("name", help="who the client is, e.g. chart")
        parser.add_argument("--scopes", nargs="*", default=[], help="scopes its tokens may carry")
        parser.add_argument(
            "--client-id",
            type=UUID,
            help="provision this client id with the secret in $SERVICE_CLIENT_SECRET (idempotent)",
        )

    async def create_service_client(self, _shell: ServiceShell, args: argparse.Namespace) -> None:
        secret = os.environ.get("SERVICE_CLIENT_SECRET") if args.client_id else None
        if args.client_id and not secret:
            raise SystemExit("--client-id needs the secret in the SERVICE_CLIENT_SECRET environment variable")
        created = await self.service.use_cases.create_service_client(
            CreateServiceClient(args.name, " ".join(args.scopes), args.client_id, secret)
        )
        print(f"client_id: {created.client.id}")  # noqa: T201
        if secret is None:
            print(f"client_secret: {created.secret}")  # noqa: T201
            print("Store the secret now: it cannot be shown again.")  # noqa: T201

    async def create_admin(self, _shell: ServiceShell, args: argparse.Namespace) -> None:
        await create_admin.run(self.service.use_cases, args)

    @staticmethod
    def configure_rotate_signing_keys(parser: argparse.ArgumentParser) -> None:
        parser.description = (
            "Make a new signing key current now; the old one stays published until its tokens expire."
        )

    async def rotate_signing_keys(self, _shell: ServiceShell, _args: argparse.Namespace) -> None:
        kid = await self.service.signing_keys.rotate(force=True)
        print(f"new signing key: {kid}")  # noqa: T201


def main(argv: Sequence[str] | None = None) -> None:
    commands = AuthCommands()
    run_cli(
        commands.build,
        argv,
        extra={
            "create-service-client": (
                commands.configure_create_service_client,
                commands.create_service_client,
            ),
            "rotate-signing-keys": (commands.configure_rotate_signing_keys, commands.rotate_signing_keys),
            "create-admin": (create_admin.configure, commands.create_admin),
        },
    )


if __name__ == "__main__":
    main()
