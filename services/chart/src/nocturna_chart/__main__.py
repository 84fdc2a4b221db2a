from __future__ import annotations

from nocturna_platform.cli import run_cli

from nocturna_chart.bootstrap import ChartService


def main() -> None:
    run_cli(ChartService)


if __name__ == "__main__":
    main()
