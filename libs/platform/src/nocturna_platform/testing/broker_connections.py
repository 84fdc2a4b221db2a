"""Cutting broker connections, as a broker restart or a network cut would, for fault tests.

Other test runs share the broker, so connections are picked by the name every service gives them
(`<queue prefix><service>[-<role>]@<host>:<pid>`, see `messaging.broker`): a test closes only its own.
"""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import Callable

RABBITMQCTL_TIMEOUT_SECONDS = 60.0
_CONNECTION_NAME = re.compile(r'\{"connection_name","([^"]*)"\}')


async def _rabbitmqctl(*args: str) -> str:
    if shutil.which("rabbitmqctl") is None:
        raise RuntimeError(
            "rabbitmqctl is not on PATH: the broker fault tests need it (RabbitMQ's CLI tools)"
        )
    process = await asyncio.create_subprocess_exec(
        "rabbitmqctl", *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    async with asyncio.timeout(RABBITMQCTL_TIMEOUT_SECONDS):
        out, err = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"rabbitmqctl {' '.join(args)} failed: {err.decode(errors='replace')}")
    return out.decode()


async def named_connections(matching: Callable[[str], bool]) -> list[str]:
    """The Erlang pids (what `close_connection` takes) of open connections whose name `matching` accepts."""
    listed = await _rabbitmqctl("list_connections", "pid", "client_properties", "-q", "--no-table-headers")
    pids = []
    for line in listed.splitlines():
        pid, _, properties = line.partition("\t")
        name = _CONNECTION_NAME.search(properties)
        if name is not None and matching(name.group(1)):
            pids.append(pid)
    return pids


async def close_connections(matching: Callable[[str], bool]) -> int:
    """Close the matching connections at once; their owners must reconnect on their own. How many closed."""
    pids = await named_connections(matching)
    await asyncio.gather(*(_rabbitmqctl("close_connection", pid, "fault injection") for pid in pids))
    return len(pids)
