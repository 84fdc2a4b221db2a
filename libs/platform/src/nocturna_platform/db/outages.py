"""Telling a database outage (retry later) from a bug: the former is a 503, the latter a 500."""

from __future__ import annotations

import asyncpg
from sqlalchemy import exc as sa_exc

_CONNECTION_ERRORS = (
    OSError,
    asyncpg.exceptions.PostgresConnectionError,  # includes a terminated or not-yet-accepting server
    asyncpg.exceptions.InterfaceError,  # "connection is closed"
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CannotConnectNowError,
)


def is_database_outage(error: BaseException) -> bool:
    """The connection was lost or refused (SQLAlchemy then discards it, and after a disconnect the whole pool,
    so the next request gets a fresh connection). An exhausted pool is overload, not an outage."""
    if isinstance(error, sa_exc.DBAPIError):
        if error.connection_invalidated:
            return True
        cause = error.orig.__cause__ if error.orig is not None else None
        return isinstance(cause, _CONNECTION_ERRORS) or isinstance(error.orig, _CONNECTION_ERRORS)
    return isinstance(error, _CONNECTION_ERRORS)
