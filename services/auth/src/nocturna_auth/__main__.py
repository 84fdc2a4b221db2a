from __future__ import annotations

import argparse
from collections.abc import Sequence

from nocturna_platform.cli import run_cli
from nocturna_platform.shell import ServiceShell

from nocturna_auth.bootstrap import AuthService
from nocturna_auth.commands import create_admin


def main(argv: Sequence[str] | None = None) -> None:
    built: list[AuthService] = []

    def build() -> AuthService:
        built.append(AuthService())
        return built[-1]

    async def create_admin_command(shell: ServiceShell, args: argparse.Namespace) -> None:
        await create_admin.run(built[-1].use_cases, args)

    run_cli(build, argv, extra={"create-admin": (create_admin.configure, create_admin_command)})


if __name__ == "__main__":
    main()
