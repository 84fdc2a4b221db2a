"""Request and response shapes of the auth API."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field


class RegisterRequest(BaseModel):
    email: str = Field(max_length=254, examples=["ada@example.com"])
    password: str = Field(max_length=1024)
    display_name: str | None = Field(default=None, max_length=100)


class UserResponse(BaseModel):
    id: UUID
    email: str
    display_name: str | None
    email_verified: bool
    roles: list[str]
    created_at: datetime


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "Bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int = Field(description="Seconds until the access token expires.")
    refresh_token: str | None = Field(
        default=None, description="Single use: a refresh returns a new one. Not issued to service clients."
    )
    scope: str | None = Field(default=None, description="The granted scopes, space-separated.")


class OAuthErrorResponse(BaseModel):
    """RFC 6749 §5.2 error body of the token endpoint."""

    error: str = Field(
        examples=["invalid_grant"],
        description="`invalid_request`, `invalid_client`, `invalid_grant`, `invalid_scope` or "
        "`unsupported_grant_type`.",
    )
    error_description: str | None = None


class SessionResponse(BaseModel):
    id: UUID
    user_agent: str | None
    ip: str | None
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    current: bool = Field(description="The session of the access token making this request.")


class SessionListResponse(BaseModel):
    items: list[SessionResponse]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last one.")


class RevokedSessionsResponse(BaseModel):
    revoked: int = Field(description="How many sessions ended.")


class LogoutRequest(BaseModel):
    refresh_token: str | None = Field(
        default=None, max_length=512, description="Also end the session this refresh token belongs to."
    )


class TokenRequest(BaseModel):
    token: str = Field(min_length=1, max_length=256, description="The token from the link in the mail.")


class ChangePasswordRequest(BaseModel):
    current_password: str = Field(max_length=1024)
    new_password: str = Field(max_length=1024)


class ForgotPasswordRequest(BaseModel):
    email: str = Field(max_length=254, examples=["ada@example.com"])


class ResetPasswordRequest(BaseModel):
    token: str = Field(min_length=1, max_length=256, description="The token from the link in the mail.")
    new_password: str = Field(max_length=1024)


class AcceptedResponse(BaseModel):
    detail: str
