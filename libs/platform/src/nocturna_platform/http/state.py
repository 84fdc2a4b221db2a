"""Reading what the composition root put on `app.state`, as a FastAPI dependency."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request


def from_app_state(attribute: str) -> Callable[[Request], Awaitable[Any]]:
    """`Annotated[ChartUseCases, Depends(from_app_state("use_cases"))]`: the annotation gives the type.

    Async although it awaits nothing: FastAPI runs a plain `def` dependency in a worker thread, per request.
    """

    async def dependency(request: Request) -> Any:
        return getattr(request.app.state, attribute)

    return dependency
