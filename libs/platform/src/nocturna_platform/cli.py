"""The command line every service shares: serve (default), migrate, downgrade, replay-dlq."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

import uvloop
from fastapi import FastAPI

from nocturna_platform.http.server import serve
from nocturna_platform.messaging.broker import named_amqp_url
from nocturna_platform.messaging.dead_letters import replay_dead_letters
from nocturna_platform.shell import ServiceShell

ExtraCommand = Callable[[ServiceShell, argparse.Namespace], Awaitable[None]]


class Service(Protocol):
    shell: ServiceShell
    app: FastAPI


def run_cli(
    build: Callable[[], Service],
    argv: Sequence[str] | None = None,
    extra: dict[str, tuple[Callable[[argparse.ArgumentParser], None], ExtraCommand]] | None = None,
) -> None:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="serve HTTP, consume events and relay the outbox (default)")
    commands.add_parser("migrate", help="upgrade the service's schema to head")
    downgrade = commands.add_parser("downgrade", help="downgrade the service's schema")
    downgrade.add_argument("revision")
    replay = commands.add_parser("replay-dlq", help="re-publish dead letters of one queue after a fix")
    replay.add_argument("queue", help="the consumer queue name, e.g. subscription.auth.user.registered.v1")
    replay.add_argument("--limit", type=int, default=None)
    for name, (configure, _) in (extra or {}).items():
        configure(commands.add_parser(name))
    args = parser.parse_args(argv)
    service = build()
    command = args.command or "serve"
    # uvloop, as `uvicorn.run` would pick: `serve` runs uvicorn inside our own loop, so we choose it here.
    uvloop.run(_dispatch(service, command, args, extra or {}))


async def _dispatch(
    service: Service,
    command: str,
    args: argparse.Namespace,
    extra: dict[str, tuple[Callable[[argparse.ArgumentParser], None], ExtraCommand]],
) -> None:
    shell = service.shell
    if command == "serve":
        await serve(service.app, shell.settings.http)
    elif command == "migrate":
        if shell.migrations is not None:
            await shell.migrations.upgrade("head")
    elif command == "downgrade":
        if shell.migrations is not None:
            await shell.migrations.downgrade(args.revision)
    elif command == "replay-dlq":
        if shell.messaging is None:
            raise SystemExit("this service consumes no events")
        count = await replay_dead_letters(
            named_amqp_url(shell.settings, "replay-dlq"), shell.messaging.topology, args.queue, args.limit
        )
        print(f"replayed {count} message(s) from {args.queue}.dlq")  # noqa: T201
    else:
        await extra[command][1](shell, args)
    if command != "serve" and shell.engine is not None:
        await shell.engine.dispose()
