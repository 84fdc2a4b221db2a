from __future__ import annotations

from nocturna_platform.cli import run_cli

from nocturna_geocoding.bootstrap import GeocodingService


def main() -> None:
    run_cli(GeocodingService)


if __name__ == "__main__":
    main()
