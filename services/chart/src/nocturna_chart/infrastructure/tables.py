"""Tables of the `chart` schema."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from nocturna_platform.messaging.tables import messaging_tables
from sqlalchemy import Column, DateTime, Index, LargeBinary, Text, UniqueConstraint
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


MESSAGING = messaging_tables(SQLModel.metadata, SCHEMA)
