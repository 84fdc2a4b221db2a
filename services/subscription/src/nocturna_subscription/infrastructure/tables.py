"""Tables of the `subscription` schema."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from nocturna_platform.messaging.tables import messaging_tables
from sqlalchemy import Column, DateTime, PrimaryKeyConstraint, Text, UniqueConstraint
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


MESSAGING = messaging_tables(SQLModel.metadata, SCHEMA)
