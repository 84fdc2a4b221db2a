from __future__ import annotations

from nocturna_platform.cli import run_cli

from nocturna_gateway.bootstrap import GatewayService


def main() -> None:
    run_cli(GatewayService)


if __name__ == "__main__":
    main()
