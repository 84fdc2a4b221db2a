"""Tables of the `subscription` schema."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from nocturna_platform.messaging.tables import messaging_tables
from sqlalchemy import Column, DateTime, LargeBinary, PrimaryKeyConstraint, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

SCHEMA = "subscription"


class PlanRow(SQLModel, table=True):
    __tablename__ = "plans"
    __table_args__ = {"schema": SCHEMA}

    code: str = Field(primary_key=True)
    name: str
    price_minor: int
    currency: str
    interval: str
    entitlements: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    retired_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class SubscriptionRow(SQLModel, table=True):
    __tablename__ = "subscriptions"
    __table_args__ = {"schema": SCHEMA}

    id: UUID = Field(primary_key=True)
    user_id: UUID = Field(unique=True)
    plan_code: str = Field(sa_column=Column(Text, nullable=False))
    status: str
    current_period_start: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    current_period_end: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    cancel_at_period_end: bool = False
    version: int
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    pending_plan_code: str | None = None
    email_verified: bool = False
    provider_subscription_id: str | None = None
    provider_updated_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    provider: str | None = None


class UsageRecordRow(SQLModel, table=True):
    """One billable calculation; `event_id` is unique, so a duplicated event can never count twice."""

    __tablename__ = "usage_records"
    __table_args__ = (UniqueConstraint("event_id"), {"schema": SCHEMA})

    id: UUID = Field(primary_key=True)
    event_id: UUID
    user_id: UUID = Field(index=True)
    calculation_id: UUID
    kind: str
    period_start: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    occurred_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class UsageCounterRow(SQLModel, table=True):
    __tablename__ = "usage_counters"
    __table_args__ = (PrimaryKeyConstraint("user_id", "period_start"), {"schema": SCHEMA})

    user_id: UUID
    period_start: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    period_end: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    charts: int


class QuotaThresholdRow(SQLModel, table=True):
    """A threshold announced for a user's period: the key makes the announcement happen once."""

    __tablename__ = "quota_thresholds_sent"
    __table_args__ = (
        PrimaryKeyConstraint("user_id", "period_start", "quota", "threshold_percent"),
        {"schema": SCHEMA},
    )

    user_id: UUID
    period_start: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    quota: str
    threshold_percent: int
    sent_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class BillingCustomerRow(SQLModel, table=True):
    """Provider customer id, billing email and country as one AES-GCM ciphertext under `key_id`."""

    __tablename__ = "billing_customers"
    __table_args__ = {"schema": SCHEMA}

    user_id: UUID = Field(primary_key=True)
    provider: str
    key_id: str
    ciphertext: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class CheckoutRow(SQLModel, table=True):
    __tablename__ = "checkouts"
    __table_args__ = {"schema": SCHEMA}

    id: UUID = Field(primary_key=True)
    user_id: UUID = Field(index=True)
    plan_code: str
    provider: str
    session_id: str
    status: str
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class CheckoutRequestRow(SQLModel, table=True):
    """A checkout asked for with an `Idempotency-Key`; the session columns are set once the provider answered."""

    __tablename__ = "checkout_requests"
    __table_args__ = (PrimaryKeyConstraint("user_id", "idempotency_key"), {"schema": SCHEMA})

    user_id: UUID
    idempotency_key: str
    fingerprint: str
    checkout_id: UUID
    session_id: str | None = None
    url: str | None = None
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))


class BillingWebhookRow(SQLModel, table=True):
    """Every verified provider webhook, stored before it is processed; processed once (`processed_at`)."""

    __tablename__ = "billing_webhooks"
    __table_args__ = (UniqueConstraint("provider", "provider_event_id"), {"schema": SCHEMA})

    id: UUID = Field(primary_key=True)
    provider: str
    provider_event_id: str
    payload: str | None = None
    user_id: UUID | None = Field(default=None, index=True)
    received_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    processed_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    outcome: str | None = None


MESSAGING = messaging_tables(SQLModel.metadata, SCHEMA)
