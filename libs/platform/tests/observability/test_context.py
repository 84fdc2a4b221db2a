from __future__ import annotations

import asyncio
import uuid

from nocturna_platform.observability.context import (
    bind_user_id,
    current_request_id,
    current_user_id,
    request_scope,
    reset_user_id,
)


def test_request_scope_binds_and_restores() -> None:
    user_id = uuid.uuid4()

    with request_scope("outer"):
        token = bind_user_id(user_id)
        with request_scope("inner"):
            assert (current_request_id(), current_user_id()) == ("inner", None)
        assert (current_request_id(), current_user_id()) == ("outer", str(user_id))
        reset_user_id(token)
        assert current_user_id() is None

    assert current_request_id() is None


async def test_concurrent_tasks_see_their_own_ids() -> None:
    async def handle(request_id: str) -> tuple[str | None, str | None]:
        with request_scope(request_id):
            bind_user_id(f"user-of-{request_id}")
            await asyncio.sleep(0)
            return current_request_id(), current_user_id()

    results = await asyncio.gather(*(handle(f"req-{n}") for n in range(5)))

    assert results == [(f"req-{n}", f"user-of-req-{n}") for n in range(5)]
