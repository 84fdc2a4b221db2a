"""A closed-loop HTTP/1.1 load generator: N keep-alive connections, each sending the next request (a GET, or
what a request builder makes) when the last one is answered.

Raw asyncio with httptools' parser rather than httpx: on this machine httpx spends ~0.8 ms of CPU per request,
more than the service it measures, so the generator, not the service, would set the figures.
"""

from __future__ import annotations

import asyncio
import resource
from collections.abc import Callable
from dataclasses import dataclass, field
from time import perf_counter
from typing import cast
from urllib.parse import urlsplit

import httptools

RequestBuilder = Callable[[int], bytes]
"""The next request's bytes for the connection with this index."""


@dataclass
class Load:
    requests: int = 0
    failures: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    failed_statuses: dict[int, int] = field(default_factory=dict)
    """How many answers failed with each status (0: the connection broke)."""

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    @property
    def cpu_share(self) -> float:
        """How much of one core the generator itself used while measuring."""
        return self.cpu_seconds / self.seconds


class _Connection(asyncio.Protocol):
    """One keep-alive connection with at most one request in flight."""

    def __init__(self) -> None:
        self._parser = httptools.HttpResponseParser(self)
        self._transport: asyncio.Transport | None = None
        self._answer: asyncio.Future[int] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's transports do not subclass it

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._settle(error)

    def connection_lost(self, exc: Exception | None) -> None:
        self._settle(exc or ConnectionResetError("the server closed the connection"))

    def on_message_complete(self) -> None:
        self._settle(self._parser.get_status_code())

    def _settle(self, outcome: int | BaseException) -> None:
        answer, self._answer = self._answer, None
        if answer is None or answer.done():
            return
        if isinstance(outcome, BaseException):
            answer.set_exception(outcome)
        else:
            answer.set_result(outcome)

    async def send(self, request: bytes) -> int:
        assert self._transport is not None
        self._answer = asyncio.get_running_loop().create_future()
        self._transport.write(request)
        return await self._answer

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()


async def drive(
    url: str,
    connections: int,
    seconds: float,
    warmup_seconds: float,
    on_start: Callable[[], None] = lambda: None,
    request: RequestBuilder | None = None,
) -> Load:
    """Warm up, call `on_start`, then measure for `seconds`; a non-2xx answer or a broken connection counts
    as a failure. `request(connection)` gives each request's bytes; a GET of `url` without it."""
    await _run(url, connections, warmup_seconds, Load(), request)
    on_start()
    load = Load()
    cpu_before, started = _cpu_seconds(), perf_counter()
    await _run(url, connections, seconds, load, request)
    load.seconds, load.cpu_seconds = perf_counter() - started, _cpu_seconds() - cpu_before
    return load


def post_json(url: str, body: bytes, headers: dict[str, str]) -> bytes:
    """The bytes of a keep-alive JSON POST to `url`."""
    parts = urlsplit(url)
    lines = [f"POST {parts.path or '/'} HTTP/1.1", f"Host: {parts.netloc}", "User-Agent: nocturna-bench"]
    lines += ["Accept: application/json", "Content-Type: application/json", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def _run(url: str, connections: int, seconds: float, load: Load, build: RequestBuilder | None) -> None:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    get = (
        f"GET {parts.path or '/'}{'?' + parts.query if parts.query else ''} HTTP/1.1\r\n"
        f"Host: {parts.netloc}\r\nUser-Agent: nocturna-bench\r\nAccept: application/json\r\n\r\n"
    ).encode("latin-1")
    deadline = perf_counter() + seconds
    loop = asyncio.get_running_loop()

    async def client(index: int) -> None:
        connection: _Connection | None = None
        while perf_counter() < deadline:
            if connection is None:
                _, connection = await loop.create_connection(_Connection, host, port)
            request = get if build is None else build(index)
            sent = perf_counter()
            try:
                status = await connection.send(request)
            except (OSError, httptools.HttpParserError):
                connection.close()
                connection, status = None, 0
            load.latencies.append(perf_counter() - sent)
            load.requests += 1
            if not 200 <= status < 300:
                load.failures += 1
                load.failed_statuses[status] = load.failed_statuses.get(status, 0) + 1
        if connection is not None:
            connection.close()

    await asyncio.gather(*(client(index) for index in range(connections)))


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
