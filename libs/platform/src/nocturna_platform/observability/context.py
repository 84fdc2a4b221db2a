"""Per-request context (request id, user id) that log lines pick up without passing it around.

Values live in contextvars, so each request task sees its own. Bind them in the task that serves the request:
an `async def` dependency works, a sync one runs in a worker thread and its binding is lost.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from uuid import UUID

_request_id: ContextVar[str | None] = ContextVar("nocturna_request_id", default=None)
_user_id: ContextVar[str | None] = ContextVar("nocturna_user_id", default=None)


def current_request_id() -> str | None:
    return _request_id.get()


def current_user_id() -> str | None:
    return _user_id.get()


def bind_request_id(request_id: str | None) -> Token[str | None]:
    return _request_id.set(request_id)


def reset_request_id(token: Token[str | None]) -> None:
    _request_id.reset(token)


def bind_user_id(user_id: UUID | str | None) -> Token[str | None]:
    """Call once the caller is authenticated; later log lines of this request carry the id."""
    return _user_id.set(None if user_id is None else str(user_id))


def reset_user_id(token: Token[str | None]) -> None:
    _user_id.reset(token)


@contextmanager
def request_scope(request_id: str | None) -> Iterator[None]:
    """A fresh context for one unit of work (an HTTP request, a consumed message): no user id inherited."""
    request_token = _request_id.set(request_id)
    user_token = _user_id.set(None)
    try:
        yield
    finally:
        _user_id.reset(user_token)
        _request_id.reset(request_token)
