"""Tables of the `auth` schema."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from nocturna_platform.messaging.tables import messaging_tables
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    Text,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field, SQLModel

SCHEMA = "auth"


class UserRow(SQLModel, table=True):
    __tablename__ = "users"
    __table_args__ = {"schema": SCHEMA}

    id: UUID = Field(primary_key=True)
    email: str = Field(sa_column=Column(Text, nullable=False, unique=True))
    password_hash: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
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


class RefreshTokenRow(SQLModel, table=True):
    """A refresh token by its SHA-256 digest; `successor` is the pair its rotation issued, sealed under the
    token itself (useless without it) and kept for the reuse grace window only."""

    __tablename__ = "refresh_tokens"
    __table_args__ = (
        Index("ix_refresh_tokens_session_id", "session_id"),
        Index("ix_refresh_tokens_expires_at", "expires_at"),
        Index(
            "ix_refresh_tokens_sealed_rotated_at",
            "rotated_at",
            postgresql_where=text("successor IS NOT NULL"),
        ),
        {"schema": SCHEMA},
    )

    digest: bytes = Field(sa_column=Column(LargeBinary, primary_key=True))
    session_id: UUID = Field(
        sa_column=Column(Uuid, ForeignKey(f"{SCHEMA}.sessions.id", ondelete="CASCADE"), nullable=False)
    )
    scopes: list[str] = Field(sa_column=Column(ARRAY(Text), nullable=False))
    issued_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    rotated_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    successor: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))


class ServiceClientRow(SQLModel, table=True):
    """A client of the client-credentials grant; `secret_hash` is argon2id."""

    __tablename__ = "service_clients"
    __table_args__ = {"schema": SCHEMA}

    id: UUID = Field(primary_key=True)
    name: str = Field(sa_column=Column(Text, nullable=False))
    secret_hash: str = Field(sa_column=Column(Text, nullable=False))
    scopes: list[str] = Field(sa_column=Column(ARRAY(Text), nullable=False))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    disabled_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class OneTimeTokenRow(SQLModel, table=True):
    """A mailed single-use token (verification, reset); only the SHA-256 digest of its secret is stored."""

    __tablename__ = "one_time_tokens"
    __table_args__ = (
        Index("ix_one_time_tokens_user_id_purpose", "user_id", "purpose"),
        {"schema": SCHEMA},
    )

    id: UUID = Field(primary_key=True)
    user_id: UUID = Field(
        sa_column=Column(Uuid, ForeignKey(f"{SCHEMA}.users.id", ondelete="CASCADE"), nullable=False)
    )
    purpose: str = Field(sa_column=Column(Text, nullable=False))
    digest: str = Field(sa_column=Column(Text, nullable=False, unique=True))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    consumed_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class OutgoingEmailRow(SQLModel, table=True):
    """The mail outbox: written in the business transaction, sent by the dispatcher. The body (which may hold
    a secret link) is blanked once the message is sent or given up."""

    __tablename__ = "outgoing_emails"
    __table_args__ = (
        Index(
            "ix_outgoing_emails_due",
            "next_attempt_at",
            postgresql_where=text("sent_at IS NULL AND failed_at IS NULL"),
        ),
        Index("ix_outgoing_emails_recipient_kind", "recipient", "kind", "created_at"),
        {"schema": SCHEMA},
    )

    id: int | None = Field(
        default=None, sa_column=Column(BigInteger, Identity(always=True), primary_key=True)
    )
    message_id: UUID = Field(sa_column=Column(Uuid, nullable=False, unique=True))
    kind: str = Field(sa_column=Column(Text, nullable=False))
    recipient: str = Field(sa_column=Column(Text, nullable=False))
    subject: str = Field(sa_column=Column(Text, nullable=False))
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    next_attempt_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default=text("0")))
    sent_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))
    failed_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


MESSAGING = messaging_tables(SQLModel.metadata, SCHEMA)


class ExternalIdentityRow(SQLModel, table=True):
    """An OpenID provider's account (`provider`, its `sub`) linked to one of our users."""

    __tablename__ = "external_identities"
    __table_args__ = (Index("ix_external_identities_user_id", "user_id"), {"schema": SCHEMA})

    provider: str = Field(sa_column=Column(Text, primary_key=True))
    subject: str = Field(sa_column=Column(Text, primary_key=True))
    user_id: UUID = Field(
        sa_column=Column(Uuid, ForeignKey(f"{SCHEMA}.users.id", ondelete="CASCADE"), nullable=False)
    )
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    last_login_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
