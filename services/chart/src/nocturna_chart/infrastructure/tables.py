"""Tables of the `chart` schema."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from nocturna_platform.messaging.tables import messaging_tables
from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, LargeBinary, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

SCHEMA = "chart"


class EntitlementRow(SQLModel, table=True):
    __tablename__ = "entitlements"
    __table_args__ = {"schema": SCHEMA}

    user_id: UUID = Field(primary_key=True)
    plan_code: str = Field(sa_column=Column(Text, nullable=False))
    charts_per_month: int | None = None
    saved_charts: int | None = None
    synastry: bool
    transits: bool
    batch: bool
    version: int
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class ErasedUserRow(SQLModel, table=True):
    """An erased account's id (nothing else): a plan change announced after the erasure must not project it again."""

    __tablename__ = "erased_users"
    __table_args__ = {"schema": SCHEMA}

    user_id: UUID = Field(primary_key=True)
    erased_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class ChartRow(SQLModel, table=True):
    """Only ids, the house system and times are clear text; name, notes, birth data and options are sealed."""

    __tablename__ = "charts"
    __table_args__ = (
        UniqueConstraint("owner_id", "idempotency_key"),
        Index("ix_charts_owner_id_id", "owner_id", "id"),
        {"schema": SCHEMA},
    )

    id: UUID = Field(primary_key=True)
    owner_id: UUID
    house_system: str = Field(sa_column=Column(Text, nullable=False))
    key_id: str = Field(sa_column=Column(Text, nullable=False))
    sealed: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    idempotency_key: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class UsageRow(SQLModel, table=True):
    __tablename__ = "usage"
    __table_args__ = {"schema": SCHEMA}

    owner_id: UUID = Field(primary_key=True)
    period: str = Field(sa_column=Column(Text, primary_key=True))
    charts_created: int


class BatchJobRow(SQLModel, table=True):
    __tablename__ = "batch_jobs"
    __table_args__ = (
        UniqueConstraint("owner_id", "idempotency_key"),
        Index("ix_batch_jobs_owner_id", "owner_id"),
        {"schema": SCHEMA},
    )

    id: UUID = Field(primary_key=True)
    owner_id: UUID
    status: str = Field(sa_column=Column(Text, nullable=False))
    total: int
    succeeded: int
    failed: int
    idempotency_key: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    last_progress_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    completed_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class BatchItemRow(SQLModel, table=True):
    """One record of a job: sealed input until it is settled, then its chart id or problem (input dropped)."""

    __tablename__ = "batch_items"
    __table_args__ = {"schema": SCHEMA}

    job_id: UUID = Field(
        sa_column=Column(ForeignKey(f"{SCHEMA}.batch_jobs.id", ondelete="CASCADE"), primary_key=True)
    )
    item_index: int = Field(sa_column=Column(Integer, primary_key=True))
    key_id: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    sealed: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    chart_id: UUID | None = None
    problem: dict[str, Any] | None = Field(
        default=None, sa_column=Column(JSONB(none_as_null=True), nullable=True)
    )


MESSAGING = messaging_tables(SQLModel.metadata, SCHEMA)
