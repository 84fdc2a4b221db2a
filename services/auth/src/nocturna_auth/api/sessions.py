"""Session routes: the caller's signed-in devices, revoking them, logging out."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response, status
from nocturna_platform.http.openapi import problem_responses
from nocturna_platform.http.problems import FieldError, Problem
from nocturna_platform.security.dependencies import optional_principal, require_permission
from nocturna_platform.security.principal import Principal

from nocturna_auth.api.dependencies import OAUTH2, UseCases
from nocturna_auth.api.schemas import (
    LogoutRequest,
    RevokedSessionsResponse,
    SessionListResponse,
    SessionResponse,
)
from nocturna_auth.application.list_sessions import ListSessions
from nocturna_auth.application.log_out import LogOut
from nocturna_auth.application.revoke_other_sessions import RevokeOtherSessions
from nocturna_auth.application.revoke_session import RevokeSession
from nocturna_auth.domain.sessions import SessionNotFound

router = APIRouter(prefix="/api/v1/auth", tags=["sessions"], dependencies=[OAUTH2])

Reader = Annotated[Principal, Depends(require_permission("sessions:read"))]
Writer = Annotated[Principal, Depends(require_permission("sessions:write"))]


@router.get("/sessions", response_model=SessionListResponse, responses=problem_responses(401, 403, 422))
async def list_sessions(
    caller: Reader,
    use_cases: UseCases,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> SessionListResponse:
    """The caller's active sessions, newest first; `current` marks the one this token belongs to."""
    page = await use_cases.list_sessions(
        ListSessions(caller.subject, caller.session_id, limit=limit, before=_decode_cursor(cursor))
    )
    return SessionListResponse(
        items=[SessionResponse.model_validate(view, from_attributes=True) for view in page.items],
        next_cursor=_encode_cursor(page.next_before) if page.next_before else None,
    )


@router.delete(
    "/sessions/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404),
)
async def revoke_session(session_id: UUID, caller: Writer, use_cases: UseCases) -> Response:
    """End one active session of the caller (its access tokens stop working, its refresh token too)."""
    command = RevokeSession(
        session_id, caller.subject, may_revoke_any=caller.has_permission("sessions:write:any")
    )
    try:
        await use_cases.revoke_session(command)
    except SessionNotFound as error:
        raise Problem(404, "not_found", "Not found", "No such active session.") from error
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/sessions", response_model=RevokedSessionsResponse, responses=problem_responses(401, 403))
async def revoke_other_sessions(caller: Writer, use_cases: UseCases) -> RevokedSessionsResponse:
    """Sign out everywhere else: every active session of the caller except the current one."""
    ended = await use_cases.revoke_other_sessions(RevokeOtherSessions(caller.subject, caller.session_id))
    return RevokedSessionsResponse(revoked=ended)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(401))
async def log_out(request: Request, use_cases: UseCases, body: LogoutRequest | None = None) -> Response:
    """End the current session, and the one `refresh_token` belongs to if given. A client whose access
    token has expired may log out with its refresh token alone."""
    refresh_token = body.refresh_token if body else None
    try:
        caller = await optional_principal(request)
    except Problem:
        if not refresh_token:
            raise
        caller = None
    if caller is None and not refresh_token:
        raise Problem(
            401,
            "unauthenticated",
            "Authentication required",
            "Send a bearer access token or the refresh token to log out.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    await use_cases.log_out(
        LogOut(
            user_id=caller.subject if caller else None,
            session_id=caller.session_id if caller else None,
            refresh_token=refresh_token,
        )
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _encode_cursor(session_id: UUID) -> str:
    return base64.urlsafe_b64encode(session_id.bytes).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> UUID | None:
    if cursor is None:
        return None
    try:
        return UUID(bytes=base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError) as error:
        raise Problem(
            422,
            "validation_error",
            "Request validation failed",
            "The request has invalid fields; see `errors`.",
            [FieldError("cursor", "not a cursor from a previous page", "invalid_cursor", "query")],
        ) from error
