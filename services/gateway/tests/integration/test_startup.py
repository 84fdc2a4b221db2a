"""The gateway process as its lifespan leaves it."""

from __future__ import annotations

import gc

import pytest
from nocturna_gateway.bootstrap import GatewayService
from nocturna_gateway.settings import GatewaySettings
from nocturna_platform.testing.serving import serving

pytestmark = pytest.mark.integration


async def test_startup_objects_are_frozen_out_of_the_garbage_collector(test_env: dict[str, str]) -> None:
    service = GatewayService(GatewaySettings())
    gc.unfreeze()
    try:
        async with serving(service, base_url="http://gateway.test") as client:
            frozen = gc.get_freeze_count()
            ready = await client.get("/health/ready")
    finally:
        gc.unfreeze()

    assert ready.status_code == 200, ready.text
    assert frozen > 10_000
