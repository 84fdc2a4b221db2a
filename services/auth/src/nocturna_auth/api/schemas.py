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
    expires_in: int


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
