"""Telling a database outage (retry later) or input the database cannot store (the client's to fix) from a bug:
a 503, a 422 and a 500."""

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
# Refusals only a new connection meets: the database does not accept connections now (`ALLOW_CONNECTIONS false`
# during maintenance or a restore) or the server has no slot left. Raised later by a statement, 55000 is a bug.
_REFUSED_AT_CONNECT = (
    asyncpg.exceptions.ObjectNotInPrerequisiteStateError,
    asyncpg.exceptions.TooManyConnectionsError,
)


def is_database_outage(error: BaseException) -> bool:
    """The connection was lost or refused, or the server refused a new one (SQLAlchemy then discards it, and
    after a disconnect the whole pool, so the next request gets a fresh connection). An exhausted pool is
    overload, not an outage."""
    if isinstance(error, sa_exc.DBAPIError):
        if error.connection_invalidated:
            return True
        cause = error.orig.__cause__ if error.orig is not None else None
        if error.statement is None and isinstance(cause, _REFUSED_AT_CONNECT):
            return True  # no statement ran: the pool was opening a connection
        return isinstance(cause, _CONNECTION_ERRORS) or isinstance(error.orig, _CONNECTION_ERRORS)
    return isinstance(error, _CONNECTION_ERRORS)


_UNSTORABLE_TEXT = (
    asyncpg.exceptions.CharacterNotInRepertoireError,  # a NUL character in a text parameter
    asyncpg.exceptions.UntranslatableCharacterError,  # `\\u0000` in JSON stored as jsonb
)


def is_unstorable_text(error: BaseException) -> bool:
    """Text Postgres cannot store reached a statement: a NUL character, which JSON and URLs can carry."""
    if isinstance(error, sa_exc.DBAPIError) and error.orig is not None:
        return isinstance(error.orig.__cause__, _UNSTORABLE_TEXT)
    return isinstance(error, _UNSTORABLE_TEXT)  # raised by asyncpg itself (`db.engine.driver_connection`)
