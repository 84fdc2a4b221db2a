"""A round-robin TCP balancer in front of a service's replicas, as a Kubernetes Service is in production.

`python -m tests.e2e.balancer LISTEN_PORT BACKEND_PORT [BACKEND_PORT ...]` (all on 127.0.0.1). Each accepted
connection goes to the next replica; a replica that refuses the connection (killed, restarting) is skipped, so a
client only sees an error when every replica is down. Bytes are piped unchanged, WebSocket upgrades included.
"""

from __future__ import annotations

import asyncio
import itertools
import sys
from collections.abc import Iterator

CONNECT_TIMEOUT_SECONDS = 1.0
CHUNK_BYTES = 65_536


class RoundRobin:
    def __init__(self, backends: list[int]) -> None:
        self._backends = backends
        self._turns: Iterator[int] = itertools.cycle(range(len(backends)))

    async def connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        """The next replica that accepts a connection, or None when none does."""
        start = next(self._turns)
        for offset in range(len(self._backends)):
            port = self._backends[(start + offset) % len(self._backends)]
            try:
                async with asyncio.timeout(CONNECT_TIMEOUT_SECONDS):
                    return await asyncio.open_connection("127.0.0.1", port)
            except (OSError, TimeoutError):
                continue
        return None

    async def serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        backend = await self.connect()
        if backend is None:
            client_writer.close()
            return
        backend_reader, backend_writer = backend
        await asyncio.gather(
            _pipe(client_reader, backend_writer),
            _pipe(backend_reader, client_writer),
        )


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy until end of stream or a reset, then close the writing side (the other pipe ends on its own)."""
    try:
        while chunk := await reader.read(CHUNK_BYTES):
            writer.write(chunk)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def main(listen: int, backends: list[int]) -> None:
    balancer = RoundRobin(backends)
    server = await asyncio.start_server(balancer.serve, "127.0.0.1", listen, backlog=1024)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    listen_port, *backend_ports = (int(argument) for argument in sys.argv[1:])
    asyncio.run(main(listen_port, backend_ports))
