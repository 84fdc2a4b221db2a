from __future__ import annotations

from nocturna_platform.cli import run_cli

from nocturna_auth.bootstrap import AuthService


def main() -> None:
    run_cli(AuthService)


if __name__ == "__main__":
    main()
