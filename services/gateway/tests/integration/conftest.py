from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from nocturna_platform.testing.plugin import TestRun

from services.gateway.tests.integration.stack import Producer, Stack, running_stack


@pytest.fixture(scope="session")
def stack(test_run: TestRun, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(test_run, tmp_path_factory.mktemp("gateway-logs")) as stack:
        yield stack


@pytest.fixture
async def producer(stack: Stack) -> AsyncIterator[Producer]:
    producer = await Producer.open(stack.run)
    yield producer
    await producer.connection.close()
