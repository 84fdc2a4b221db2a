from __future__ import annotations

import argparse

from nocturna_platform.cli import run_cli

from nocturna_chart.bootstrap import ChartService


def main() -> None:
    services: list[ChartService] = []

    def build() -> ChartService:
        services.append(ChartService())
        return services[0]

    def configure_reseal(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    async def reseal(_: object, args: argparse.Namespace) -> None:
        resealed = await services[0].use_cases.reseal_charts(args.batch_size)
        print(  # noqa: T201
            f"re-encrypted {resealed.charts} chart(s) and {resealed.batch_records} pending batch record(s) "
            "with the current key"
        )

    run_cli(build, extra={"reseal": (configure_reseal, reseal)})


if __name__ == "__main__":
    main()
