"""The fleet's AsyncAPI document (`docs/asyncapi.json`) from the broker of every service.

python scripts/asyncapi.py write    # regenerate the committed document (`make docs`)
python scripts/asyncapi.py check    # exit 1 when the committed document differs from the brokers

Services are built with their default settings, whatever the environment says (`model_construct`), so the
document names the real exchange and queues; building one connects to nothing.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from nocturna_auth.bootstrap import AuthService
from nocturna_auth.settings import AuthSettings
from nocturna_chart.bootstrap import ChartService
from nocturna_chart.settings import ChartSettings
from nocturna_gateway.bootstrap import GatewayService
from nocturna_gateway.settings import GatewaySettings
from nocturna_geocoding.bootstrap import GeocodingService
from nocturna_geocoding.settings import GeocodingSettings
from nocturna_platform.cli import Service
from nocturna_platform.messaging.asyncapi import asyncapi_document, render
from nocturna_subscription.bootstrap import SubscriptionService
from nocturna_subscription.settings import SubscriptionSettings

DOCUMENT = Path(__file__).resolve().parents[1] / "docs" / "asyncapi.json"

FLEET: tuple[Callable[[], Service], ...] = (
    lambda: AuthService(AuthSettings.model_construct()),
    lambda: ChartService(ChartSettings.model_construct()),
    lambda: SubscriptionService(SubscriptionSettings.model_construct()),
    lambda: GeocodingService(GeocodingSettings.model_construct()),
    lambda: GatewayService(GatewaySettings.model_construct()),
)


def generate() -> str:
    services = [build() for build in FLEET]
    brokers = [service.shell.messaging.broker for service in services if service.shell.messaging is not None]
    document = asyncapi_document(
        brokers,
        title="Nocturna events",
        version="1.0.0",
        description="Every event on the `nocturna.events` topic exchange: who publishes it, which queue consumes it.",
    )
    return render(document)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["write", "check"])
    args = parser.parse_args(argv)
    generated = generate()
    if args.command == "write":
        DOCUMENT.parent.mkdir(exist_ok=True)
        DOCUMENT.write_text(generated, encoding="utf-8")
        return 0
    if not DOCUMENT.exists() or DOCUMENT.read_text(encoding="utf-8") != generated:
        print(f"{DOCUMENT.name} differs from the brokers: run `make docs` and commit it", file=sys.stderr)  # noqa: T201
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
