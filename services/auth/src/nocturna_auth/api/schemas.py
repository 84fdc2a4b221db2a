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
