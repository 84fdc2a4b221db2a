from __future__ import annotations

from nocturna_platform.cli import run_cli

from nocturna_subscription.bootstrap import SubscriptionService


def main() -> None:
    run_cli(SubscriptionService)


if __name__ == "__main__":
    main()
