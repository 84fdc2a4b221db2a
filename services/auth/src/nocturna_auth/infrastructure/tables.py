"""Tables of the `auth` schema."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from nocturna_platform.messaging.tables import messaging_tables
from sqlalchemy import Column, DateTime, ForeignKey, Index, LargeBinary, Text, Uuid
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field, SQLModel

SCHEMA = "auth"


class UserRow(SQLModel, table=True):
    __tablename__ = "users"
    __table_args__ = {"schema": SCHEMA}

    id: UUID = Field(primary_key=True)
    email: str = Field(sa_column=Column(Text, nullable=False, unique=True))
    password_hash: str = Field(sa_column=Column(Text, nullable=False))
    display_name: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    email_verified: bool = False
    roles: list[str] = Field(sa_column=Column(ARRAY(Text), nullable=False))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    disabled_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class SessionRow(SQLModel, table=True):
    __tablename__ = "sessions"
    __table_args__ = (Index("ix_sessions_user_id_created_at", "user_id", "created_at"), {"schema": SCHEMA})

    id: UUID = Field(primary_key=True)
    user_id: UUID = Field(
        sa_column=Column(Uuid, ForeignKey(f"{SCHEMA}.users.id", ondelete="CASCADE"), nullable=False)
    )
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    last_used_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    user_agent: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    ip: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    revoked_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    revoke_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class SigningKeyRow(SQLModel, table=True):
    """An ES256 key; the private part is AES-GCM encrypted under a key from settings (`key_id` names it)."""

    __tablename__ = "signing_keys"
    __table_args__ = {"schema": SCHEMA}

    kid: str = Field(primary_key=True)
    public_jwk: str = Field(sa_column=Column(Text, nullable=False))
    private_key_encrypted: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    encryption_key_id: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    retired_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class ApiKeyRow(SQLModel, table=True):
    """A partner app's key: `public_id` is the visible part, `secret_hash` the HMAC-SHA256 of the secret."""

    __tablename__ = "api_keys"
    __table_args__ = (Index("ix_api_keys_user_id_id", "user_id", "id"), {"schema": SCHEMA})

    id: UUID = Field(primary_key=True)
    user_id: UUID = Field(
        sa_column=Column(Uuid, ForeignKey(f"{SCHEMA}.users.id", ondelete="CASCADE"), nullable=False)
    )
    name: str = Field(sa_column=Column(Text, nullable=False))
    public_id: str = Field(sa_column=Column(Text, nullable=False, unique=True))
    secret_hash: str = Field(sa_column=Column(Text, nullable=False))
    scopes: list[str] = Field(sa_column=Column(ARRAY(Text), nullable=False))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    expires_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    last_used_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    revoked_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


MESSAGING = messaging_tables(SQLModel.metadata, SCHEMA)
