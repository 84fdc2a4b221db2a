"""Finding Postgres, Redis and RabbitMQ for a test run: env vars, local defaults, then testcontainers."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aio_pika
import asyncpg
import redis.asyncio as aioredis

T = TypeVar("T")

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
DEFAULT_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"


class InfrastructureUnavailable(RuntimeError):
    pass


def run_sync(factory: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to completion from sync code even while an event loop runs in this thread."""
    result: list[T] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            result.append(asyncio.run(_as_coroutine(factory)))
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return result[0]


async def _as_coroutine(factory: Callable[[], Awaitable[T]]) -> T:
    return await factory()


def libpq_url(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def with_database(url: str, database: str) -> str:
    base, _, _ = libpq_url(url).rpartition("/")
    return f"{base}/{database}"


async def _postgres_reachable(url: str) -> None:
    connection = await asyncpg.connect(libpq_url(url), timeout=3)
    await connection.close()


async def _redis_reachable(url: str) -> None:
    client = aioredis.from_url(url, socket_connect_timeout=3)
    try:
        await client.ping()
    finally:
        await client.aclose()


async def _amqp_reachable(url: str) -> None:
    connection = await aio_pika.connect(url, timeout=5)
    await connection.close()


def _docker_answers() -> bool:
    try:
        import docker

        docker.from_env(timeout=2).ping()
    except Exception:
        return False
    return True


@dataclass
class Infrastructure:
    """The three services one test run uses; containers are started only where a Docker engine answers."""

    database_url: str
    redis_url: str
    amqp_url: str
    _containers: list[Any] = field(default_factory=list)

    @classmethod
    @contextlib.contextmanager
    def acquire(cls) -> Iterator[Infrastructure]:
        containers: list[Any] = []
        try:
            database_url = _resolve(
                "DATABASE_URL", DEFAULT_DATABASE_URL, _postgres_reachable, _start_postgres, containers
            )
            redis_url = _resolve("REDIS_URL", DEFAULT_REDIS_URL, _redis_reachable, _start_redis, containers)
            amqp_url = _resolve("AMQP_URL", DEFAULT_AMQP_URL, _amqp_reachable, _start_rabbitmq, containers)
            yield cls(database_url, redis_url, amqp_url, containers)
        finally:
            for container in containers:
                with contextlib.suppress(Exception):
                    container.stop()


def _resolve(
    variable: str,
    default: str,
    probe: Callable[[str], Awaitable[None]],
    start_container: Callable[[list[Any]], str],
    containers: list[Any],
) -> str:
    url = os.environ.get(variable, default)
    try:
        run_sync(lambda: probe(url))
    except Exception as error:
        if _docker_answers():
            return start_container(containers)
        raise InfrastructureUnavailable(
            f"{variable}: nothing answers at {_redact(url)} ({type(error).__name__}: {error}) and no Docker "
            f"engine is available for testcontainers. Start the service (scripts/ensure-services.sh does it on "
            f"Debian) or set {variable} to one that runs."
        ) from error
    return url


def _redact(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        rest = "***@" + rest.split("@", 1)[1]
    return scheme + sep + rest


def _start_postgres(containers: list[Any]) -> str:
    from testcontainers.community.postgres import PostgresContainer

    container = PostgresContainer("postgres:15", driver=None).start()
    containers.append(container)
    return str(container.get_connection_url())


def _start_redis(containers: list[Any]) -> str:
    from testcontainers.community.redis import RedisContainer

    container = RedisContainer("redis:7").start()
    containers.append(container)
    return f"redis://{container.get_container_host_ip()}:{container.get_exposed_port(6379)}/0"


def _start_rabbitmq(containers: list[Any]) -> str:
    from testcontainers.community.rabbitmq import RabbitMqContainer

    container = RabbitMqContainer("rabbitmq:3.13").start()
    containers.append(container)
    host, port = container.get_container_host_ip(), container.get_exposed_port(5672)
    return f"amqp://guest:guest@{host}:{port}/"
