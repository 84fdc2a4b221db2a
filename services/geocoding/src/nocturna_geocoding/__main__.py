from __future__ import annotations

from nocturna_platform.cli import run_cli

from nocturna_geocoding.bootstrap import GeocodingService, configure_seed, seed


def main() -> None:
    run_cli(GeocodingService, extra={"seed": (configure_seed, seed)})


if __name__ == "__main__":
    main()
